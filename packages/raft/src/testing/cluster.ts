/**
 * A raft cluster on the simulator (Go's MakeCluster): the one harness behind
 * the raft tests and `shoal sim raft`. Every server is a process on a
 * simulated host of one seeded `Simulation`, so time is virtual, timers fire
 * in a replayable order, and the four Raft safety invariants are checked as
 * it runs. Two environments:
 * - 'memory' (default, for protocol tests): in-memory stores that survive a
 *   crash whole, and the in-memory transport (requests arrive on the next
 *   microtask, partitions cut by address);
 * - 'simulated' (for `shoal sim raft`): file stores on each host's simulated
 *   disk (a crash loses what was not synced) and a transport on the simulated
 *   network (latency, loss, reordering, duplication).
 * For tests; not a stable API. Print the seed when a test fails.
 */
import type { FileSystem } from '@shoal/kit';
import { utf8 } from '@shoal/kit';
import type { NetworkOptions } from '@shoal/sim';
import { SimNetwork, Simulation } from '@shoal/sim';
import type { Config } from '../config.js';
import { testConfig } from '../config.js';
import type { Configuration, ServerID } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import type { FSM } from '../fsm.js';
import { InvariantChecker } from '../invariants.js';
import { FileSnapshotStore } from '../storage/file-snapshot.js';
import { InmemSnapshotStore } from '../storage/inmem-snapshot.js';
import { InmemStore } from '../storage/inmem-store.js';
import type { SnapshotStore } from '../storage/snapshot.js';
import { InmemNetwork } from '../transport/inmem-transport.js';
import { SimRaftNetwork } from '../transport/sim-transport.js';
import type { ServerEnvironment } from './cluster-server.js';
import { InspectableDiskStore } from './disk-store.js';
import { ClusterServer } from './cluster-server.js';
import { MockFSM } from './mock-fsm.js';

export type ClusterEnvironment = 'memory' | 'simulated';

export interface ClusterOptions<F extends FSM = MockFSM> {
  /** Servers to start (voters unless listed in nonVoters). */
  nodes: number;
  /** Seed of every random choice (default 1). */
  seed?: number;
  environment?: ClusterEnvironment;
  /** The state machine of each server process (default MockFSM). */
  fsm?: () => F;
  /** Server ids are this prefix and a number from 0 (default 'node'). */
  idPrefix?: string;
  /** Each server's configuration before `config` applies (default testConfig). */
  baseConfig?: (id: ServerID) => Config;
  /** Overrides of the configuration for every server. */
  config?: Partial<Config>;
  /** Write the initial configuration to every server's stores (default true). */
  bootstrap?: boolean;
  /** How many of the servers join as non-voters (the last ones). */
  nonVoters?: number;
  transportTimeoutMs?: number;
  maxInFlight?: number;
  /** Snapshot store of each server in the memory environment (default InmemSnapshotStore). */
  makeSnapshotStore?: () => SnapshotStore;
  /** The simulated network and disks (links, latencies). */
  network?: NetworkOptions;
  /** Check exactly that every state change runs in its node's serial task (default true; about 1.5x slower). */
  exactTaskChecks?: boolean;
  /** In the simulated environment, what each server's stores see of its disk (e.g. a FaultyFileSystem around it); asked at every (re)start. */
  wrapFileSystem?: (server: ClusterServer, fs: FileSystem) => FileSystem;
}

/** The servers' type, under the name the tests have always used. */
export type TestNode<F extends FSM = MockFSM> = ClusterServer<F>;

export class TestCluster<F extends FSM = MockFSM> {
  readonly sim: Simulation;
  /** The simulated hosts; in the memory environment only their clocks, randomness and crashes matter. */
  readonly network: SimNetwork;
  readonly environment: ClusterEnvironment;
  readonly nodes: ClusterServer<F>[] = [];
  readonly checker = new InvariantChecker();
  readonly #options: ClusterOptions<F>;
  readonly #inmem: InmemNetwork | undefined;
  readonly #env: ServerEnvironment;

  constructor(options: ClusterOptions<F>) {
    this.#options = options;
    this.environment = options.environment ?? 'memory';
    // Construction order is part of the trace: every fork draws from the root generator.
    this.sim = new Simulation({ seed: options.seed ?? 1 });
    this.network = new SimNetwork(this.sim, options.network);
    const timeoutMs = options.transportTimeoutMs ?? (this.environment === 'memory' ? 500 : undefined);
    const maxInFlight = options.maxInFlight;
    if (this.environment === 'memory') {
      const inmem = new InmemNetwork(this.sim, { timeoutMs, maxInFlight });
      this.#inmem = inmem;
      this.#env = memoryEnvironment(inmem, options.makeSnapshotStore);
    } else {
      const opts: { timeoutMs?: number; maxInFlight?: number } = {};
      if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
      if (maxInFlight !== undefined) opts.maxInFlight = maxInFlight;
      this.#env = simulatedEnvironment(new SimRaftNetwork(this.network, opts), options.wrapFileSystem);
    }
  }

  /** Builds the cluster and starts every server (bootstrapped unless `bootstrap` is false). */
  static async create<F extends FSM = MockFSM>(options: ClusterOptions<F>): Promise<TestCluster<F>> {
    const c = new TestCluster<F>(options);
    const nonVoters = options.nonVoters ?? 0;
    const servers = Array.from({ length: options.nodes }, (_, i) => c.#addServer(`${options.idPrefix ?? 'node'}${i}`));
    const configuration: Configuration = {
      servers: servers.map((s, i) => ({ id: s.id, address: s.address, suffrage: i >= options.nodes - nonVoters ? ServerSuffrage.Nonvoter : ServerSuffrage.Voter })),
    };
    // Disk operations are simulator events: drive them through the simulation.
    await c.sim.settle(
      (async () => {
        if (options.bootstrap !== false) for (const s of servers) await s.bootstrap(configuration);
        for (const s of servers) await s.start();
      })(),
    );
    return c;
  }

  configFor(id: ServerID): Config {
    return { ...(this.#options.baseConfig ?? testConfig)(id), ...this.#options.config, localId: id };
  }

  #addServer(id: ServerID, config?: Partial<Config>): ClusterServer<F> {
    const node = this.network.addNode();
    const address = this.environment === 'memory' ? `addr-${id}` : node.address(7000);
    const makeFsm = this.#options.fsm ?? ((): F => new MockFSM() as unknown as F);
    const server = new ClusterServer<F>(id, node, address, { ...this.configFor(id), ...config }, this.#env, this.checker, makeFsm);
    server.onLeader = (_id, term) => this.sim.note('leader', term);
    server.exactTaskChecks = this.#options.exactTaskChecks ?? true;
    this.nodes.push(server);
    return server;
  }

  /** Starts a new server; with `bootstrap`, its stores are first initialised with that configuration. */
  async addNode(id: ServerID, bootstrap?: Configuration, config?: Partial<Config>): Promise<ClusterServer<F>> {
    const server = this.#addServer(id, config);
    await this.sim.settle(
      (async () => {
        if (bootstrap !== undefined) await server.bootstrap(bootstrap);
        await server.start();
      })(),
    );
    return server;
  }

  node(id: ServerID): ClusterServer<F> {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Servers whose raft process is running (not crashed, not shut down). */
  get up(): ClusterServer<F>[] {
    return this.nodes.filter((n) => n.up);
  }

  /** The leader with the highest term among running servers, if any. */
  leader(): ClusterServer<F> | undefined {
    let best: ClusterServer<F> | undefined;
    for (const n of this.up) {
      if (n.raft.state !== 'Leader') continue;
      if (best === undefined || n.raft.currentTerm() > best.raft.currentTerm()) best = n;
    }
    return best;
  }

  followers(): ClusterServer<F>[] {
    return this.up.filter((n) => n.raft.state === 'Follower');
  }

  /** Checks the Raft log invariants across every server (crashed ones by their stores). */
  checkLogs(): void {
    const views = this.nodes.map((s) => s.logView()).filter((v) => v !== undefined);
    const leaders = this.nodes.filter((s) => s.up && s.raft.state === 'Leader').map((s) => ({ id: s.id, term: s.raft.currentTerm() }));
    this.checker.checkLogs(views, leaders);
  }

  /** Advances virtual time, checking log invariants after. */
  async advance(ms: number): Promise<void> {
    await this.sim.runFor(ms);
    this.checkLogs();
  }

  /** Runs the simulation until `pred` holds; throws after `timeoutMs` of virtual time. */
  async waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = this.sim.now() + timeoutMs;
    await this.sim.runUntil(() => pred() || this.sim.now() >= deadline);
    if (!pred()) throw new Error(`timed out after ${timeoutMs} virtual ms waiting for ${what} (seed ${this.sim.seed})`);
    this.checkLogs();
  }

  /** Runs the simulation until `promise` settles (or throws after `timeoutMs`), and returns its outcome. */
  async run<T>(promise: Promise<T>, timeoutMs = 5000): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    await this.waitFor(() => done, 'a promise to settle', timeoutMs);
    return promise;
  }

  async waitForLeader(timeoutMs = 5000): Promise<ClusterServer<F>> {
    await this.waitFor(() => this.leader() !== undefined, 'a leader', timeoutMs);
    return this.leader()!;
  }

  /** Waits until every running server's FSM holds the same commands, and at least `min`. */
  async waitForReplication(this: TestCluster<MockFSM>, min = 0, timeoutMs = 5000): Promise<void> {
    await this.waitFor(
      () => {
        const up = this.up;
        const first = up[0];
        if (first === undefined) return true;
        const n = first.fsm.logs.length;
        if (n < min) return false;
        return up.every((x) => x.fsm.logs.length === n && x.fsm.texts().join('\n') === first.fsm.texts().join('\n'));
      },
      `replication of ${min} commands to all servers`,
      timeoutMs,
    );
  }

  /** Cuts `ids` off from the rest (both directions). */
  partition(ids: readonly ServerID[]): void {
    const servers = ids.map((id) => this.node(id));
    if (this.#inmem !== undefined) this.#inmem.partition(servers.map((s) => s.address));
    else this.network.split(servers.map((s) => s.node));
  }

  /** Cuts one server off from everyone. */
  disconnect(id: ServerID): void {
    const server = this.node(id);
    if (this.#inmem !== undefined) this.#inmem.isolate(server.address);
    else this.network.isolate(server.node);
  }

  heal(): void {
    this.#inmem?.heal();
    this.network.heal();
  }

  /** Kills a server's process; its stores keep what they had made durable. */
  async crash(id: ServerID): Promise<void> {
    const server = this.node(id);
    server.crash();
    await this.run(server.stopped);
  }

  /** Starts a crashed server again on its stores, with a fresh FSM and transport. */
  async restart(id: ServerID): Promise<ClusterServer<F>> {
    const server = this.node(id);
    await this.sim.settle(server.restart());
    return server;
  }

  /** Stops every server; throws if any of them failed one of its own invariant checks while the test ran. */
  async shutdown(): Promise<void> {
    for (const n of this.up) {
      await this.run(n.raft.shutdown());
    }
    const internal = this.checker.violations.filter((v) => v.kind === 'internal');
    if (internal.length > 0) throw new Error(`invariant checks failed inside servers: ${internal.map((v) => v.message).join('; ')}`);
  }
}

/** In-memory stores that outlive crashes (everything they hold counts as synced), on the in-memory transport. */
function memoryEnvironment(network: InmemNetwork, makeSnapshotStore: (() => SnapshotStore) | undefined): ServerEnvironment {
  const stores = new Map<ClusterServer, InmemStore>();
  const snapshots = new Map<ClusterServer, SnapshotStore>();
  return {
    openStore: (server) => Promise.resolve(getOrAdd(stores, server, () => new InmemStore())),
    openSnapshots: (server) => Promise.resolve(getOrAdd(snapshots, server, () => makeSnapshotStore?.() ?? new InmemSnapshotStore())),
    closeBootstrapStore: () => Promise.resolve(),
    attachTransport: (server) => network.add(server.address),
  };
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

const SIM_PREALLOCATE_BYTES = 2 * 1024;
/** Small segments: with the simulation's frequent snapshots, compaction frees them often and the logs reuse their files. */
const SIM_SEGMENT_BYTES = 8 * 1024;

/** File stores on each host's simulated disk, the transport on the simulated network. */
function simulatedEnvironment(network: SimRaftNetwork, wrap: ClusterOptions['wrapFileSystem']): ServerEnvironment {
  const fileSystem = (server: ClusterServer): FileSystem => (wrap === undefined ? server.node.disk.fileSystem() : wrap(server, server.node.disk.fileSystem()));
  return {
    // Small zero-fills, so a run extends each segment's preallocation many times, crashes included.
    openStore: (server) => InspectableDiskStore.open(fileSystem(server), 'raft', { preallocateBytes: SIM_PREALLOCATE_BYTES, segmentBytes: SIM_SEGMENT_BYTES }),
    openSnapshots: (server) => FileSnapshotStore.open(fileSystem(server), 'raft', { clock: server.node.clock }),
    closeBootstrapStore: (store) => (store as InspectableDiskStore).close(),
    attachTransport: (server) => network.attach(server.node),
  };
}

export function text(s: string): Uint8Array {
  return utf8(s);
}
