/**
 * An in-memory cluster on a virtual clock (Go's MakeCluster): InmemStore,
 * InmemSnapshotStore, InmemNetwork, MockFSM per server, invariants checked as
 * it runs. For tests; not a stable API.
 */
import type { Random } from '@shoal/kit';
import { seededRandom } from '@shoal/kit';
import { bootstrapCluster } from '../bootstrap.js';
import type { Config } from '../config.js';
import { testConfig } from '../config.js';
import type { Configuration, ServerID } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import type { FSM } from '../fsm.js';
import { InmemSnapshotStore } from '../storage/inmem-snapshot.js';
import { InmemStore } from '../storage/inmem-store.js';
import type { InmemTransport } from '../transport/inmem-transport.js';
import { InmemNetwork } from '../transport/inmem-transport.js';
import { InvariantChecker } from '../invariants.js';
import { Raft } from '../raft.js';
import type { SnapshotStore } from '../storage/snapshot.js';
import { ManualClock } from './manual-clock.js';
import { MockFSM } from './mock-fsm.js';

export interface TestNode {
  id: ServerID;
  addr: string;
  raft: Raft;
  fsm: MockFSM;
  store: InmemStore;
  snapshots: SnapshotStore;
  transport: InmemTransport;
  config: Config;
  /** False after crash() until restart(). */
  up: boolean;
}

export interface ClusterOptions {
  /** Servers to start (voters unless listed in nonVoters). */
  nodes: number;
  seed?: number;
  /** Overrides of testConfig for every server. */
  config?: Partial<Config>;
  /** Write the initial configuration to every server's stores (default true). */
  bootstrap?: boolean;
  /** How many of the servers join as non-voters (the last ones). */
  nonVoters?: number;
  transportTimeoutMs?: number;
  maxInFlight?: number;
  makeSnapshotStore?: () => SnapshotStore;
}

export class TestCluster {
  readonly clock = new ManualClock();
  readonly random: Random;
  readonly network: InmemNetwork;
  readonly nodes: TestNode[] = [];
  readonly checker = new InvariantChecker();
  readonly #options: ClusterOptions;

  private constructor(options: ClusterOptions) {
    this.#options = options;
    this.random = seededRandom(options.seed ?? 1);
    this.network = new InmemNetwork(this.clock, { timeoutMs: options.transportTimeoutMs ?? 500, maxInFlight: options.maxInFlight ?? 2 });
  }

  static async create(options: ClusterOptions): Promise<TestCluster> {
    const c = new TestCluster(options);
    const nonVoters = options.nonVoters ?? 0;
    const ids = Array.from({ length: options.nodes }, (_, i) => `node${i}`);
    const configuration: Configuration = {
      servers: ids.map((id, i) => ({ id, address: `addr-${id}`, suffrage: i >= options.nodes - nonVoters ? ServerSuffrage.Nonvoter : ServerSuffrage.Voter })),
    };
    for (const id of ids) {
      await c.addNode(id, options.bootstrap === false ? undefined : configuration);
    }
    return c;
  }

  configFor(id: ServerID): Config {
    return { ...testConfig(id), ...this.#options.config, localId: id };
  }

  /** Starts a new server; with `bootstrap`, its stores are first initialised with that configuration. */
  async addNode(id: ServerID, bootstrap?: Configuration, config?: Partial<Config>): Promise<TestNode> {
    const addr = `addr-${id}`;
    const transport = this.network.add(addr);
    const store = new InmemStore();
    const snapshots = this.#options.makeSnapshotStore?.() ?? new InmemSnapshotStore();
    const cfg = { ...this.configFor(id), ...config };
    if (bootstrap !== undefined) await bootstrapCluster({ config: cfg, logs: store, stable: store, snapshots, transport, configuration: bootstrap });
    const fsm = new MockFSM();
    const node: TestNode = { id, addr, raft: undefined as unknown as Raft, fsm, store, snapshots, transport, config: cfg, up: true };
    node.raft = await this.#start(node, fsm);
    this.nodes.push(node);
    return node;
  }

  async #start(node: TestNode, fsm: FSM): Promise<Raft> {
    const raft = await Raft.create({
      config: node.config,
      fsm,
      logs: node.store,
      stable: node.store,
      snapshots: node.snapshots,
      transport: node.transport,
      clock: this.clock,
      random: this.random.fork(),
      exactTaskChecks: true,
    });
    const core = raft.internals;
    core.onStateChange((state, term) => {
      if (state === 'Leader') this.checker.recordLeader(node.id, term);
    });
    core.onInvariantFailure((err) => this.checker.recordInternal(node.id, err));
    core.fsmRunner.onApplied = (log) => this.checker.recordApplied(node.id, log);
    return raft;
  }

  node(id: ServerID): TestNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  get up(): TestNode[] {
    return this.nodes.filter((n) => n.up);
  }

  /** The leader with the highest term among running servers, if any. */
  leader(): TestNode | undefined {
    let best: TestNode | undefined;
    for (const n of this.up) {
      if (n.raft.state !== 'Leader') continue;
      if (best === undefined || n.raft.currentTerm() > best.raft.currentTerm()) best = n;
    }
    return best;
  }

  followers(): TestNode[] {
    return this.up.filter((n) => n.raft.state === 'Follower');
  }

  /** Advances virtual time, checking log invariants after. */
  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    this.checkLogs();
  }

  checkLogs(): void {
    const views = this.nodes.map((n) => ({
      id: n.id,
      entries: n.store.entries(),
      snapshotIndex: n.raft.internals.lastSnapshotIndex,
      lastIndex: n.raft.internals.lastLogIndex,
    }));
    const leaders = this.up.filter((n) => n.raft.state === 'Leader').map((n) => ({ id: n.id, term: n.raft.currentTerm() }));
    this.checker.checkLogs(views, leaders);
  }

  /** Advances in `stepMs` steps until `pred` holds; throws after `timeoutMs` of virtual time. */
  async waitFor(pred: () => boolean, what: string, timeoutMs = 5000, stepMs = 5): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    while (!pred()) {
      if (this.clock.now() >= deadline) throw new Error(`timed out after ${timeoutMs} virtual ms waiting for ${what}`);
      await this.clock.advance(stepMs);
    }
    this.checkLogs();
  }

  /** Advances virtual time until `promise` settles (or throws after `timeoutMs`), and returns its outcome. */
  async run<T>(promise: Promise<T>, timeoutMs = 5000, stepMs = 5): Promise<T> {
    let done = false;
    promise.then(
      () => (done = true),
      () => (done = true),
    );
    await this.waitFor(() => done, 'a promise to settle', timeoutMs, stepMs);
    return promise;
  }

  async waitForLeader(timeoutMs = 5000): Promise<TestNode> {
    await this.waitFor(() => this.leader() !== undefined, 'a leader', timeoutMs);
    return this.leader()!;
  }

  /** Waits until every running server's FSM holds the same commands as the leader's, and at least `min`. */
  async waitForReplication(min = 0, timeoutMs = 5000): Promise<void> {
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
    this.network.partition(ids.map((id) => this.node(id).addr));
  }

  disconnect(id: ServerID): void {
    this.network.isolate(this.node(id).addr);
  }

  heal(): void {
    this.network.heal();
  }

  /** Stops a server abruptly; its stores survive (they are in memory and fully "synced"). */
  async crash(id: ServerID): Promise<void> {
    const n = this.node(id);
    n.up = false;
    await n.raft.shutdown();
  }

  /** Starts a crashed server again on its stores, with a fresh FSM and transport. */
  async restart(id: ServerID): Promise<TestNode> {
    const n = this.node(id);
    n.transport = this.network.replace(n.addr);
    n.fsm = new MockFSM();
    n.raft = await this.#start(n, n.fsm);
    n.up = true;
    return n;
  }

  /** Stops every server; throws if any of them failed one of its own invariant checks while the test ran. */
  async shutdown(): Promise<void> {
    for (const n of this.up) {
      n.up = false;
      await n.raft.shutdown();
    }
    const internal = this.checker.violations.filter((v) => v.kind === 'internal');
    if (internal.length > 0) throw new Error(`invariant checks failed inside servers: ${internal.map((v) => v.message).join('; ')}`);
  }
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
