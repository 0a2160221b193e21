/**
 * Raft: the public API of one server (Go's api.go). Futures are Promises;
 * every operation that can wait takes `timeoutMs` and its Promise settles by
 * then, whatever the cluster does (Go's futures can hang: #145, #498).
 */
import type { Clock, Random } from '@shoal/kit';
import { createRandom, realClock } from '@shoal/kit';
import { bootstrapCluster, hasExistingState } from './bootstrap.js';
import type { Config, ReloadableConfig } from './config.js';
import { reloadableOf, validateConfig } from './config.js';
import type { Configuration, ConfigurationChangeRequest, ServerAddress, ServerID } from './configuration.js';
import { cloneConfiguration, ConfigurationChangeCommand, ServerSuffrage } from './configuration.js';
import { RaftCore } from './node/core.js';
import { CantBootstrapError, EnqueueTimeoutError, NotLeaderError, RaftShutdownError, ReadTimeoutError } from './errors.js';
import { makeRpcHandler } from './node/follower-rpc.js';
import type { FSM } from './fsm.js';
import type { ApplyResult } from './log-future.js';
import { LogFuture } from './log-future.js';
import { EMPTY_BYTES, LogType, makeLog } from './log.js';
import type { Observer } from './observer.js';
import type { SnapshotMeta, SnapshotSource, SnapshotStore } from './storage/snapshot.js';
import type { SnapshotResult } from './node/snapshotter.js';
import { Snapshotter } from './node/snapshotter.js';
import { startUp } from './node/startup.js';
import { statsOf } from './node/stats.js';
import { restoreUserSnapshot } from './node/user-restore.js';
import type { RaftState } from './state.js';
import type { LogStore, StableStore } from './storage/stores.js';
import type { Transport } from './transport/transport.js';

export interface RaftOptions {
  config: Config;
  fsm: FSM;
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
  transport: Transport;
  /** Defaults to the real clock. */
  clock?: Clock;
  /** Defaults to a crypto-seeded generator. */
  random?: Random;
  /**
   * Check exactly (with AsyncLocalStorage) that every state change runs
   * inside the node's serial task, at about 1.5x the CPU; the default check
   * catches changes made while no task runs. For tests and simulations.
   */
  exactTaskChecks?: boolean;
}

export interface TimeoutOptions {
  /** Settle by then (0 or absent: no limit). */
  timeoutMs?: number;
}

export interface ApplyOptions extends TimeoutOptions {
  extensions?: Uint8Array;
}

export interface ChangeOptions extends TimeoutOptions {
  /** When > 0, refuse unless the latest configuration is still at this index. */
  prevIndex?: number;
}

export interface ReadIndexOptions extends TimeoutOptions {
  /** Answer from the leader's lease when it holds one (needs config.leaseReads). */
  lease?: boolean;
}

export interface ReadIndexResult {
  /** The commit index the read is ordered after; the FSM has applied at least this far. */
  index: number;
  /** True when the lease answered, false when a heartbeat round confirmed leadership. */
  viaLease: boolean;
}

/** Rejects `promise` with `error()` if it has not settled within timeoutMs. */
function withTimeout<T>(clock: Clock, promise: Promise<T>, timeoutMs: number | undefined, error: () => Error): Promise<T> {
  if (timeoutMs === undefined || !(timeoutMs > 0)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = clock.after(timeoutMs, () => reject(error()));
    promise.then(
      (v) => (timer.cancel(), resolve(v)),
      (e: unknown) => (timer.cancel(), reject(e)),
    );
  });
}

export class Raft {
  readonly #core: RaftCore;
  readonly #snapshotter: Snapshotter;

  private constructor(core: RaftCore) {
    this.#core = core;
    this.#snapshotter = new Snapshotter(core);
    core.onShutdown(() => this.#snapshotter.stop());
  }

  /** Go's NewRaft: loads state from the stores, restores the newest snapshot, starts as a follower. */
  static async create(options: RaftOptions): Promise<Raft> {
    validateConfig(options.config);
    const core = new RaftCore({
      config: { ...options.config },
      fsm: options.fsm,
      logs: options.logs,
      stable: options.stable,
      snapshots: options.snapshots,
      transport: options.transport,
      clock: options.clock ?? realClock,
      random: options.random ?? createRandom(),
      exactTaskChecks: options.exactTaskChecks ?? false,
    });
    await startUp(core);
    const raft = new Raft(core);
    core.transport.setHandler(makeRpcHandler(core));
    core.start();
    raft.#snapshotter.start();
    return raft;
  }

  /**
   * Internal state for the simulator and tests (not a stable API).
   * @internal
   */
  get internals(): RaftCore {
    return this.#core;
  }

  // ---- writes ---------------------------------------------------------------

  #notLeader(): NotLeaderError {
    return new NotLeaderError(this.#core.leaderAddr, this.#core.leaderId);
  }

  #submit(future: LogFuture, timeoutMs: number | undefined): Promise<ApplyResult> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    const leader = core.leader;
    if (leader === undefined) return Promise.reject(this.#notLeader());
    future.armTimeout((ms, fn) => core.clock.after(ms, fn), timeoutMs ?? 0);
    leader.enqueue(future);
    return future.promise;
  }

  /**
   * Replicates a command; resolves with the FSM's response once applied on
   * this leader. `data` is stored, sent and applied as given, not copied:
   * do not change it after the call.
   */
  apply(data: Uint8Array, options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.applyLog({ data, extensions: options.extensions ?? EMPTY_BYTES }, options);
  }

  /** apply() with extensions (Go's ApplyLog). */
  applyLog(log: { data: Uint8Array; extensions?: Uint8Array }, options: TimeoutOptions = {}): Promise<ApplyResult> {
    const future = new LogFuture(makeLog({ index: 0, term: 0, type: LogType.Command, data: log.data, extensions: log.extensions ?? EMPTY_BYTES }));
    return this.#submit(future, options.timeoutMs);
  }

  /** Resolves once every entry before it has been applied to the FSM. */
  async barrier(options: TimeoutOptions = {}): Promise<void> {
    await this.#submit(new LogFuture(makeLog({ index: 0, term: 0, type: LogType.Barrier })), options.timeoutMs);
  }

  // ---- reads ----------------------------------------------------------------

  /** Resolves if a quorum still follows us (Go's VerifyLeader). */
  verifyLeader(options: TimeoutOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    const leader = core.leader;
    if (leader === undefined) return Promise.reject(this.#notLeader());
    return withTimeout(core.clock, leader.verify(), options.timeoutMs, () => new ReadTimeoutError());
  }

  /**
   * The read-index protocol (beyond Go): records the commit index, confirms
   * leadership with a heartbeat round (or the lease, when asked and held),
   * and waits until the FSM has applied that index. A read of the local FSM
   * after it resolves is linearizable.
   */
  readIndex(options: ReadIndexOptions = {}): Promise<ReadIndexResult> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    const leader = core.leader;
    if (leader === undefined) return Promise.reject(this.#notLeader());
    const run = async (): Promise<ReadIndexResult> => {
      await leader.awaitTermCommitted();
      if (!leader.live) throw this.#notLeader();
      const index = core.commitIndex;
      let viaLease = false;
      if (options.lease === true && core.clock.now() < leader.leaseExpiry()) viaLease = true;
      else await leader.verify();
      await core.fsmRunner.waitApplied(index);
      return { index, viaLease };
    };
    return withTimeout(core.clock, run(), options.timeoutMs, () => new ReadTimeoutError());
  }

  // ---- membership --------------------------------------------------------

  #change(change: ConfigurationChangeRequest, timeoutMs: number | undefined): Promise<{ index: number }> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    const leader = core.leader;
    if (leader === undefined) return Promise.reject(this.#notLeader());
    const future = new LogFuture(makeLog({ index: 0, term: 0, type: LogType.Configuration }));
    future.armTimeout((ms, fn) => core.clock.after(ms, fn), timeoutMs ?? 0);
    leader.enqueueChange(future, change);
    const result = future.promise.then((r) => ({ index: r.index }));
    result.catch(() => undefined);
    return result;
  }

  /** Adds a server as a voter (or updates its address). Leader only. */
  addVoter(id: ServerID, address: ServerAddress, options: ChangeOptions = {}): Promise<{ index: number }> {
    return this.#change({ command: ConfigurationChangeCommand.AddVoter, serverId: id, serverAddress: address, prevIndex: options.prevIndex ?? 0 }, options.timeoutMs);
  }

  /** Adds a server that receives the log but does not vote. Leader only. */
  addNonvoter(id: ServerID, address: ServerAddress, options: ChangeOptions = {}): Promise<{ index: number }> {
    return this.#change({ command: ConfigurationChangeCommand.AddNonvoter, serverId: id, serverAddress: address, prevIndex: options.prevIndex ?? 0 }, options.timeoutMs);
  }

  /** Takes a voter's vote away, keeping it as a non-voter. Leader only. */
  demoteVoter(id: ServerID, options: ChangeOptions = {}): Promise<{ index: number }> {
    return this.#change({ command: ConfigurationChangeCommand.DemoteVoter, serverId: id, serverAddress: '', prevIndex: options.prevIndex ?? 0 }, options.timeoutMs);
  }

  /** Removes a server; removing the leader itself makes it step down once committed. Leader only. */
  removeServer(id: ServerID, options: ChangeOptions = {}): Promise<{ index: number }> {
    return this.#change({ command: ConfigurationChangeCommand.RemoveServer, serverId: id, serverAddress: '', prevIndex: options.prevIndex ?? 0 }, options.timeoutMs);
  }

  /** The latest configuration (perhaps not yet committed) and its index. */
  async getConfiguration(): Promise<{ configuration: Configuration; index: number }> {
    if (this.#core.isShutdown) throw new RaftShutdownError();
    const c = this.#core.configurations;
    return { configuration: cloneConfiguration(c.latest), index: c.latestIndex };
  }

  /** Initialises a fresh server with `configuration` and takes it into account at once (Go's live bootstrap). */
  bootstrapCluster(configuration: Configuration): Promise<void> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    return core.serial.run(async () => {
      if (core.state === 'Leader' || core.isShutdown) throw new CantBootstrapError();
      await bootstrapCluster({ config: core.config, logs: core.logs, stable: core.stable, snapshots: core.snapshots, transport: core.transport, configuration });
      core.adoptBootstrap(await core.logs.getLog(1));
    });
  }

  // ---- leadership transfer --------------------------------------------------

  /** Hands leadership to the most up-to-date voter. Resolves once we are no longer leader. */
  leadershipTransfer(): Promise<void> {
    return this.#transfer(undefined, undefined);
  }

  leadershipTransferToServer(id: ServerID, address: ServerAddress): Promise<void> {
    return this.#transfer(id, address);
  }

  #transfer(id: ServerID | undefined, address: ServerAddress | undefined): Promise<void> {
    const core = this.#core;
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    const leader = core.leader;
    if (leader === undefined) return Promise.reject(this.#notLeader());
    return leader.startTransfer(id, address);
  }

  // ---- snapshots --------------------------------------------------------

  /** Takes a snapshot now and compacts the log. */
  snapshot(): Promise<SnapshotResult> {
    if (this.#core.isShutdown) return Promise.reject(new RaftShutdownError());
    return this.#snapshotter.take();
  }

  /**
   * Replaces the cluster's state with an external snapshot (Go's Restore;
   * disaster recovery only). Leader only; resolves once a following entry commits.
   */
  async restore(meta: SnapshotMeta, source: SnapshotSource, options: TimeoutOptions = {}): Promise<void> {
    const core = this.#core;
    if (core.isShutdown) throw new RaftShutdownError();
    const work = core.serial.run(() => restoreUserSnapshot(core, meta, source));
    await withTimeout(core.clock, work, options.timeoutMs, () => new EnqueueTimeoutError());
    const noop = new LogFuture(makeLog({ index: 0, term: 0, type: LogType.Noop }));
    await this.#submit(noop, options.timeoutMs);
  }

  // ---- observation ------------------------------------------------------

  registerObserver(observer: Observer): void {
    this.#core.observers.add(observer);
  }

  deregisterObserver(observer: Observer): void {
    this.#core.observers.delete(observer);
  }

  /**
   * Leadership changes as they happen: true on gaining, false on losing it.
   * Every subscriber sees every transition (unlike Go's single LeaderCh,
   * which keeps only the latest). Ends at shutdown.
   */
  async *leadershipChanges(): AsyncGenerator<boolean, void, undefined> {
    const q = this.#core.subscribeLeadership();
    try {
      for await (const v of q) yield v;
    } finally {
      this.#core.unsubscribeLeadership(q);
    }
  }

  // ---- state --------------------------------------------------------------

  get state(): RaftState {
    return this.#core.state;
  }

  get localId(): ServerID {
    return this.#core.localId;
  }

  get localAddr(): ServerAddress {
    return this.#core.localAddr;
  }

  /** The known leader's address, or '' (Go's Leader). */
  leader(): ServerAddress {
    return this.#core.leaderAddr;
  }

  leaderWithId(): { address: ServerAddress; id: ServerID } {
    return { address: this.#core.leaderAddr, id: this.#core.leaderId };
  }

  /** Clock time (ms) of the last contact from a leader; 0 if none ever. */
  lastContact(): number {
    return this.#core.everContacted ? this.#core.lastContact : 0;
  }

  currentTerm(): number {
    return this.#core.currentTerm;
  }

  /** Last index in the log or the last snapshot. */
  lastIndex(): number {
    return this.#core.lastLogIndex;
  }

  commitIndex(): number {
    return this.#core.commitIndex;
  }

  /** Index the FSM has applied (Go reports what was handed to the FSM; this waits for the FSM). */
  appliedIndex(): number {
    return this.#core.fsmRunner.appliedIndex;
  }

  /**
   * Resolves once the FSM has applied `index` (or restored a snapshot past
   * it); at once if it has. It never rejects: bound the wait yourself.
   */
  waitApplied(index: number): Promise<void> {
    return this.#core.fsmRunner.waitApplied(index);
  }

  /**
   * The servers of the latest configuration, each with how far its log
   * matches the leader's as the leader knows it (`matchIndex`): set on the
   * leader only, and only for voters; followers see the configuration alone.
   */
  servers(): Array<{ id: ServerID; address: ServerAddress; voter: boolean; matchIndex?: number }> {
    const leader = this.#core.leader;
    return this.#core.configurations.latest.servers.map((s) => {
      const matchIndex = leader?.commitment.matchIndex(s.id);
      return { id: s.id, address: s.address, voter: s.suffrage === ServerSuffrage.Voter, ...(matchIndex !== undefined ? { matchIndex } : {}) };
    });
  }

  /** Go's Stats(): string values under Go's keys. */
  stats(): Record<string, string> {
    return statsOf(this.#core);
  }

  reloadableConfig(): ReloadableConfig {
    return reloadableOf(this.#core.config);
  }

  /** Changes the reloadable fields; all are copied, so pass a complete ReloadableConfig. Invalid values change nothing. */
  reloadConfig(rc: ReloadableConfig): void {
    const core = this.#core;
    const next: Config = { ...core.config, ...rc };
    validateConfig(next);
    const snapshotIntervalChanged = next.snapshotIntervalMs !== core.config.snapshotIntervalMs;
    if (next.heartbeatTimeoutMs < core.config.heartbeatTimeoutMs) core.leader?.revokeLease();
    Object.assign(core.config, rc);
    if (snapshotIntervalChanged) this.#snapshotter.rearm();
  }

  toString(): string {
    return `Node at ${this.#core.localAddr} [${this.#core.state}]`;
  }

  /** Stops the node; resolves once background work has wound down. */
  shutdown(): Promise<void> {
    return this.#core.shutdown();
  }
}

/** Go's HasExistingState, re-exported beside Raft for discoverability. */
export { hasExistingState };
