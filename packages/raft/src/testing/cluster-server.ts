/**
 * One raft server of a TestCluster: a process on a simulated host. Its timers
 * run on the host's clock group (so a crash stops them) and its randomness is
 * forked from the host's generator. Where its stores and transport live is
 * the cluster's environment (see ServerEnvironment): in memory, or on the
 * host's simulated disk and network. crash() and restart() model a process
 * dying and coming back on whatever its stores kept.
 */
import type { SimNode } from '@shoal/sim';
import { bootstrapCluster } from '../bootstrap.js';
import type { Config } from '../config.js';
import type { Configuration } from '../configuration.js';
import type { FSM } from '../fsm.js';
import type { InvariantChecker, LogView } from '../invariants.js';
import type { Log } from '../log.js';
import { Raft } from '../raft.js';
import type { SnapshotStore } from '../storage/snapshot.js';
import type { LogStore, StableStore } from '../storage/stores.js';
import type { Transport } from '../transport/transport.js';

/** A log and stable store the invariant checker can read whole. */
export type InspectableStore = LogStore &
  StableStore & {
    entries(): Log[];
    /** Bytes of a torn record cut off the end of the log when it was opened (file stores). */
    readonly truncatedBytes?: number;
    /** Segments that reused a freed segment's file since the store was opened (file stores). */
    readonly reusedSegments?: number;
  };

/**
 * Where a server keeps its state and how it reaches its peers. The methods
 * return the stores' own promises, unwrapped: the simulated run's trace
 * depends on how many promise turns a restart takes.
 */
export interface ServerEnvironment {
  /** The server's log and stable store as it is now (after a crash: what survived it). */
  openStore(server: ClusterServer): Promise<InspectableStore>;
  openSnapshots(server: ClusterServer): Promise<SnapshotStore>;
  /** Releases a store opened only to write a bootstrap configuration. */
  closeBootstrapStore(store: InspectableStore): Promise<void>;
  /** A transport for a new process of `server`, replacing its predecessor's. */
  attachTransport(server: ClusterServer): Transport;
}

export class ClusterServer<F extends FSM = FSM> {
  readonly id: string;
  readonly node: SimNode;
  readonly address: string;
  readonly config: Config;
  readonly #environment: ServerEnvironment;
  readonly #checker: InvariantChecker;
  readonly #makeFsm: () => F;
  #raft: Raft | undefined;
  #fsm: F | undefined;
  #store: InspectableStore | undefined;
  #snapshots: SnapshotStore | undefined;
  #transport: Transport | undefined;
  /** The running process's raft; undefined before start and after a crash. */
  running: Raft | undefined;
  /** Called when this server becomes leader (for traces and counters). */
  onLeader: ((id: string, term: number) => void) | undefined;
  /** Check exactly that state changes run in the node's serial task (slower). */
  exactTaskChecks = true;
  crashes = 0;
  /** Restarts that found a torn record at the end of the log file (and cut it off). */
  tornTails = 0;
  /** Log segments, over every process so far, that reused a file a compaction had freed. */
  reusedSegments = 0;
  /** The last crash's shutdown of raft, for callers that want to wait for it. */
  stopped: Promise<void> = Promise.resolve();

  constructor(id: string, node: SimNode, address: string, config: Config, environment: ServerEnvironment, checker: InvariantChecker, makeFsm: () => F) {
    this.id = id;
    this.node = node;
    this.address = address;
    this.config = config;
    this.#environment = environment;
    this.#checker = checker;
    this.#makeFsm = makeFsm;
  }

  /** Alias of `address`, the name tests have always used. */
  get addr(): string {
    return this.address;
  }

  /** True while a raft process runs here (not crashed, not shut down). */
  get up(): boolean {
    return this.running !== undefined && this.running.state !== 'Shutdown';
  }

  // The latest process's parts: they stay readable after a crash, for inspection.
  get raft(): Raft {
    return defined(this.#raft, this.id, 'raft');
  }

  get fsm(): F {
    return defined(this.#fsm, this.id, 'fsm');
  }

  get store(): InspectableStore {
    return defined(this.#store, this.id, 'store');
  }

  get snapshots(): SnapshotStore {
    return defined(this.#snapshots, this.id, 'snapshot store');
  }

  get transport(): Transport {
    return defined(this.#transport, this.id, 'transport');
  }

  /** Writes the initial configuration to this server's stores. */
  async bootstrap(configuration: Configuration): Promise<void> {
    const env = this.#environment;
    const store = await env.openStore(this);
    const snapshots = await env.openSnapshots(this);
    const transport = env.attachTransport(this);
    await bootstrapCluster({ config: this.config, logs: store, stable: store, snapshots, transport, configuration });
    await env.closeBootstrapStore(store);
  }

  /** Starts the raft process on whatever the stores hold. */
  async start(): Promise<void> {
    const env = this.#environment;
    const store = await env.openStore(this);
    if ((store.truncatedBytes ?? 0) > 0) this.tornTails++;
    const snapshots = await env.openSnapshots(this);
    const transport = env.attachTransport(this);
    const fsm = this.#makeFsm();
    const raft = await Raft.create({
      config: this.config,
      fsm,
      logs: store,
      stable: store,
      snapshots,
      transport,
      clock: this.node.clock,
      random: this.node.random.fork(),
      exactTaskChecks: this.exactTaskChecks,
    });
    const core = raft.internals;
    core.onStateChange((state, term) => {
      if (state !== 'Leader') return;
      this.#checker.recordLeader(this.id, term);
      this.onLeader?.(this.id, term);
    });
    core.onInvariantFailure((err) => this.#checker.recordInternal(this.id, err));
    core.fsmRunner.onApplied = (log) => this.#checker.recordApplied(this.id, log);
    this.#store = store;
    this.#snapshots = snapshots;
    this.#fsm = fsm;
    this.#transport = transport;
    this.#raft = raft;
    this.running = raft;
  }

  /** The process dies: unsynced writes are lost, timers stop, the network forgets it. */
  crash(): void {
    if (!this.node.alive) return;
    this.crashes++;
    this.reusedSegments += this.#store?.reusedSegments ?? 0;
    this.node.crash();
    this.node.clock.cancelAll();
    const raft = this.running;
    this.running = undefined;
    this.stopped = raft?.shutdown().catch(() => undefined) ?? Promise.resolve();
  }

  async restart(): Promise<void> {
    if (this.node.alive && this.up) return;
    this.node.restart();
    await this.start();
  }

  /** This server's log for the invariant checker (its last durable state when down). */
  logView(): LogView | undefined {
    const store = this.#store;
    if (store === undefined) return undefined;
    const core = this.running?.internals;
    const entries = store.entries();
    const last = entries[entries.length - 1]?.index ?? 0;
    return {
      id: this.id,
      entries,
      snapshotIndex: core?.lastSnapshotIndex ?? 0,
      lastIndex: Math.max(last, core?.lastLogIndex ?? 0),
    };
  }
}

function defined<T>(value: T | undefined, id: string, what: string): T {
  if (value === undefined) throw new Error(`server ${id} has no ${what}: it never started`);
  return value;
}
