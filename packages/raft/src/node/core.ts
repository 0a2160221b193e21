/**
 * RaftCore: one node's state and its role transitions (Go's Raft struct and
 * raftState, minus the public API, which lives in raft.ts). The state is
 * private: other files read it through getters and change it only through
 * the named operations below, each of which checks its invariant and that
 * it runs inside a task of `serial` (Go's main goroutine; timers and RPC
 * answers re-enter through it). The one deliberate exception is
 * `noteLeaderContact`, which the heartbeat fast path calls from a transport
 * callback (see there).
 *
 * Role-specific logic lives beside it: election.ts (candidate, votes),
 * follower-rpc.ts (AppendEntries, InstallSnapshot), leader.ts and
 * replication.ts, snapshotter.ts; the decisions they take are pure functions
 * in rules/.
 */
import type { Clock, Metrics, Random, Timer } from '@shoal/kit';
import { AsyncQueue, noopMetrics, silentLogger, utf8 } from '@shoal/kit';
import type { RpcHeader } from '../commands.js';
import type { Config, RaftLogger } from '../config.js';
import type { Configuration, Configurations, ServerAddress, ServerID } from '../configuration.js';
import { cloneConfiguration, emptyConfigurations, hasVote } from '../configuration.js';
import { decodeConfiguration } from '../configuration-codec.js';
import { invariant, KeyNotFoundError, RaftInvariantError, RaftShutdownError } from '../errors.js';
import type { FSM } from '../fsm.js';
import type { Log } from '../log.js';
import { LogType } from '../log.js';
import type { LogFuture } from '../log-future.js';
import type { Observation, ObservationData, Observer } from '../observer.js';
import type { RaftState } from '../state.js';
import type { SnapshotStore } from '../storage/snapshot.js';
import type { LogStore, StableStore } from '../storage/stores.js';
import { KEY_CURRENT_TERM, KEY_LAST_VOTE_CAND, KEY_LAST_VOTE_TERM } from '../storage/stores.js';
import type { Transport } from '../transport/transport.js';
// Role modules are imported for their classes; they import only types from here.
import { Campaign } from './election.js';
import type { CommittedEntry } from './fsm-runner.js';
import { FsmRunner } from './fsm-runner.js';
import { LeaderState } from './leader.js';
import { SerialQueue } from './serial-queue.js';
import { randomTimeout } from './timing.js';

/** Committed entries go to the FSM runner in jobs of up to this many maxAppendEntries-sized batches. */
const FSM_JOB_BATCHES = 16;

export interface RaftDeps {
  config: Config;
  fsm: FSM;
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
  transport: Transport;
  clock: Clock;
  random: Random;
  /** Check exactly that state changes run inside the serial task (tests; costs CPU). */
  exactTaskChecks?: boolean;
}

/** What a node loaded from its stores at start-up (startup.ts). */
export interface LoadedState {
  term: number;
  lastLogIndex: number;
  lastLogTerm: number;
  /** The snapshot restored (or assumed applied), if any. */
  snapshot: { index: number; term: number; configuration: Configuration; configurationIndex: number } | undefined;
}

/** Where the node is in its life: state may be loaded only while starting. */
type Phase = 'starting' | 'running' | 'stopped';

export class RaftCore {
  readonly config: Config;
  readonly fsm: FSM;
  readonly logs: LogStore;
  readonly stable: StableStore;
  readonly snapshots: SnapshotStore;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: RaftLogger;
  readonly metrics: Metrics;
  readonly localId: ServerID;
  readonly localAddr: ServerAddress;
  readonly serial: SerialQueue;
  readonly fsmRunner: FsmRunner;
  readonly header: RpcHeader;
  readonly localAddrBytes: Uint8Array;

  #phase: Phase = 'starting';
  #state: RaftState = 'Follower';
  #currentTerm = 0;
  #lastLogIndex = 0;
  #lastLogTerm = 0;
  #lastSnapshotIndex = 0;
  #lastSnapshotTerm = 0;
  #commitIndex = 0;
  #lastApplied = 0;
  readonly #configurations: Configurations = emptyConfigurations();
  #leaderAddr: ServerAddress = '';
  #leaderId: ServerID = '';
  #lastContact: number;
  #everContacted = false;
  #voteQuietUntil: number;
  #leader: LeaderState | undefined;
  #campaign: Campaign | undefined;
  #epoch = 0;
  #roleTimer: Timer | undefined;

  readonly observers = new Set<Observer>();
  readonly #leaderSubscribers = new Set<AsyncQueue<boolean>>();
  readonly #stateListeners: ((state: RaftState, term: number) => void)[] = [];
  readonly #invariantListeners: ((err: Error) => void)[] = [];
  readonly #shutdownHooks: (() => void)[] = [];
  /** Campaigns started and leaderships won by this node (for reports). */
  readonly stats = { elections: 0, leaderships: 0 };

  constructor(deps: RaftDeps) {
    this.config = deps.config;
    this.fsm = deps.fsm;
    this.logs = deps.logs;
    this.stable = deps.stable;
    this.snapshots = deps.snapshots;
    this.transport = deps.transport;
    this.clock = deps.clock;
    this.random = deps.random;
    this.serial = new SerialQueue({ exact: deps.exactTaskChecks ?? false });
    this.logger = deps.config.logger ?? silentLogger;
    this.metrics = deps.config.metrics ?? noopMetrics;
    this.localId = deps.config.localId;
    this.localAddr = deps.transport.localAddr;
    this.localAddrBytes = deps.transport.encodePeer(this.localId, this.localAddr);
    this.header = { protocolVersion: deps.config.protocolVersion, id: utf8(this.localId), addr: this.localAddrBytes };
    this.fsmRunner = new FsmRunner(deps.fsm, this.logger, (err) => void this.shutdown(err), deps.config.maxAppendEntries);
    const now = deps.clock.now();
    this.#lastContact = now;
    this.#voteQuietUntil = now + deps.config.heartbeatTimeoutMs;
  }

  // ---- the read-only view ---------------------------------------------------

  get state(): RaftState {
    return this.#state;
  }

  get isShutdown(): boolean {
    return this.#state === 'Shutdown';
  }

  get currentTerm(): number {
    return this.#currentTerm;
  }

  /** Last index in the log, or of the last snapshot when the log ends before it. */
  get lastLogIndex(): number {
    return this.#lastLogIndex;
  }

  get lastLogTerm(): number {
    return this.#lastLogTerm;
  }

  get lastSnapshotIndex(): number {
    return this.#lastSnapshotIndex;
  }

  get lastSnapshotTerm(): number {
    return this.#lastSnapshotTerm;
  }

  get commitIndex(): number {
    return this.#commitIndex;
  }

  /** Highest index handed to the FSM runner (the FSM may still be applying it). */
  get lastApplied(): number {
    return this.#lastApplied;
  }

  /** The latest and committed configurations. Read-only: change them through the operations below. */
  get configurations(): Readonly<Configurations> {
    return this.#configurations;
  }

  get leaderAddr(): ServerAddress {
    return this.#leaderAddr;
  }

  get leaderId(): ServerID {
    return this.#leaderId;
  }

  /** Clock time of the last valid contact from a leader (or of start-up). */
  get lastContact(): number {
    return this.#lastContact;
  }

  /** Whether any leader was ever heard from (Stats' "never"). */
  get everContacted(): boolean {
    return this.#everContacted;
  }

  /** Votes (but not transfers) are refused until then: a restarted server stays quiet for a heartbeat timeout (lease safety). */
  get voteQuietUntil(): number {
    return this.#voteQuietUntil;
  }

  /** Our leadership of the current term, while we hold it. */
  get leader(): LeaderState | undefined {
    return this.#leader;
  }

  /** Our campaign, while we are a candidate. */
  get campaign(): Campaign | undefined {
    return this.#campaign;
  }

  /** Bumped on every role change; stale timers and answers compare it. */
  get epoch(): number {
    return this.#epoch;
  }

  // ---- checks ---------------------------------------------------------------

  /** State changes run inside a serial task, or while the node is still loading its state. */
  #mutating(operation: string): void {
    invariant(this.#phase === 'starting' || this.serial.inTask, () => `${operation} outside the node's serial task`);
  }

  // ---- start-up -------------------------------------------------------------

  /** Adopts what start-up read from the stores. Only before start(). */
  load(loaded: LoadedState): void {
    invariant(this.#phase === 'starting', 'state is loaded only at start-up');
    invariant(loaded.term >= 0 && loaded.lastLogIndex >= 0, 'loaded state must not be negative');
    this.#currentTerm = loaded.term;
    this.#lastLogIndex = loaded.lastLogIndex;
    this.#lastLogTerm = loaded.lastLogTerm;
    const snap = loaded.snapshot;
    if (snap !== undefined) {
      this.#lastSnapshotIndex = snap.index;
      this.#lastSnapshotTerm = snap.term;
      if (this.#lastLogIndex < snap.index) {
        this.#lastLogIndex = snap.index;
        this.#lastLogTerm = snap.term;
      }
      this.#commitIndex = snap.index;
      this.#lastApplied = snap.index;
      this.setLatestConfiguration(snap.configuration, snap.configurationIndex);
      this.setCommittedConfiguration(snap.configuration, snap.configurationIndex);
    }
  }

  /** Ends start-up: from now on every state change must run inside a serial task. */
  start(): void {
    invariant(this.#phase === 'starting', 'a node starts once');
    this.becomeFollower();
    this.#phase = 'running';
  }

  // ---- persistence ---------------------------------------------------------

  async readUint64(key: string): Promise<number> {
    try {
      return await this.stable.getUint64(key);
    } catch (err) {
      if (err instanceof KeyNotFoundError || (err instanceof Error && err.message === 'not found')) return 0;
      throw err;
    }
  }

  async readBytes(key: string): Promise<Uint8Array> {
    try {
      return await this.stable.get(key);
    } catch (err) {
      if (err instanceof KeyNotFoundError || (err instanceof Error && err.message === 'not found')) return new Uint8Array(0);
      throw err;
    }
  }

  /** Persists then adopts a term. Terms never go back, and a leader never changes its term. */
  async adoptTerm(term: number): Promise<void> {
    this.#mutating('adoptTerm');
    invariant(term >= this.#currentTerm, () => `term must not decrease (${this.#currentTerm} -> ${term})`);
    if (term === this.#currentTerm) return;
    invariant(this.#state !== 'Leader' || this.#leader === undefined, 'a leader must not change its term');
    await this.stable.setUint64(KEY_CURRENT_TERM, term);
    invariant(term >= this.#currentTerm, () => `term went back while it was being persisted (${this.#currentTerm} -> ${term})`);
    this.#currentTerm = term;
  }

  /** Persists a vote before it is granted; only for the current term. */
  async recordVote(term: number, candidate: Uint8Array): Promise<void> {
    this.#mutating('recordVote');
    invariant(term === this.#currentTerm, () => `vote recorded for term ${term}, current term is ${this.#currentTerm}`);
    await this.stable.setUint64(KEY_LAST_VOTE_TERM, term);
    await this.stable.set(KEY_LAST_VOTE_CAND, candidate);
  }

  /**
   * Our log now ends at `index` (appended entries, or a log rebuilt after a
   * snapshot). A leader's log only grows: it never overwrites its own entries.
   */
  recordLastLog(index: number, term: number): void {
    this.#mutating('recordLastLog');
    invariant(index >= 0 && term >= 0, 'last log index and term must not be negative');
    invariant(term <= this.#currentTerm, () => `log entry term ${term} is ahead of the current term ${this.#currentTerm}`);
    if (this.#state === 'Leader') invariant(index >= this.#lastLogIndex, () => `a leader never overwrites its own log (last ${this.#lastLogIndex}, now ${index})`);
    this.#lastLogIndex = index;
    this.#lastLogTerm = term;
  }

  /**
   * A follower cut its log back to `index` (the leader's entries differ
   * after it). Committed entries are never cut, and a leader never cuts its own log.
   */
  recordTruncation(index: number, term: number): void {
    this.#mutating('recordTruncation');
    invariant(this.#state !== 'Leader', 'a leader never overwrites its own log');
    invariant(index >= this.#commitIndex, () => `truncation to ${index} would drop committed entries (commit ${this.#commitIndex})`);
    invariant(index <= this.#lastLogIndex, () => `truncation to ${index} is past the end of the log (${this.#lastLogIndex})`);
    this.#lastLogIndex = index;
    this.#lastLogTerm = term;
    if (index < this.#configurations.latestIndex) {
      this.setLatestConfiguration(this.#configurations.committed, this.#configurations.committedIndex);
    }
  }

  /** A snapshot now covers everything up to `index`. Snapshots never go back. */
  recordSnapshot(index: number, term: number): void {
    this.#mutating('recordSnapshot');
    invariant(index >= this.#lastSnapshotIndex, () => `snapshot index must not decrease (${this.#lastSnapshotIndex} -> ${index})`);
    this.#lastSnapshotIndex = index;
    this.#lastSnapshotTerm = term;
  }

  /**
   * Everything up to `index` is committed. The commit index never goes back
   * and never passes the entries we hold: our log, and a leader's write in
   * progress (whose entries a quorum of followers may have made durable
   * first; if that write then fails, the commit index stands past our log
   * until a leader's entries fill the gap, and nothing appends below it).
   */
  advanceCommit(index: number): void {
    this.#mutating('advanceCommit');
    invariant(index >= this.#commitIndex, () => `commit index must not decrease (${this.#commitIndex} -> ${index})`);
    const held = Math.max(this.#lastLogIndex, this.#leader?.replicaLastIndex ?? 0);
    invariant(index <= held, () => `commit index ${index} beyond the entries we hold (${held})`);
    this.#commitIndex = index;
  }

  /**
   * The FSM state now stands at `index` without applying entries (a snapshot
   * was restored into it). Applied never passes commit, and never goes back.
   */
  recordRestored(index: number): void {
    this.#mutating('recordRestored');
    invariant(index >= this.#lastApplied, () => `applied index must not decrease (${this.#lastApplied} -> ${index})`);
    invariant(index <= this.#commitIndex, () => `applied index ${index} beyond commit index ${this.#commitIndex}`);
    this.#lastApplied = index;
  }

  setLatestConfiguration(c: Configuration, index: number): void {
    this.#mutating('setLatestConfiguration');
    this.#configurations.latest = cloneConfiguration(c);
    this.#configurations.latestIndex = index;
  }

  setCommittedConfiguration(c: Configuration, index: number): void {
    this.#mutating('setCommittedConfiguration');
    this.#configurations.committed = cloneConfiguration(c);
    this.#configurations.committedIndex = index;
  }

  /** A configuration entry was appended: the previous latest is now known committed (at most one is not). */
  processConfigurationEntry(entry: Log): void {
    if (entry.type !== LogType.Configuration) return;
    this.setCommittedConfiguration(this.#configurations.latest, this.#configurations.latestIndex);
    this.setLatestConfiguration(decodeConfiguration(entry.data), entry.index);
  }

  /** A live bootstrap wrote the first configuration entry (index 1, term 1) to a fresh node. */
  adoptBootstrap(entry: Log): void {
    this.#mutating('adoptBootstrap');
    invariant(entry.index === 1 && entry.term === 1, 'a bootstrap entry is index 1, term 1');
    invariant(this.#currentTerm <= 1 && this.#lastLogIndex === 0, 'only a fresh node is bootstrapped');
    this.#currentTerm = 1;
    this.recordLastLog(1, 1);
    this.processConfigurationEntry(entry);
  }

  // ---- contact, leader, observers ----------------------------------------

  /** A leader of our term was heard from. */
  touchContact(): void {
    this.#mutating('touchContact');
    this.#contact();
  }

  #contact(): void {
    this.#lastContact = this.clock.now();
    this.#everContacted = true;
  }

  setLeader(addr: ServerAddress, id: ServerID): void {
    this.#mutating('setLeader');
    this.#setLeader(addr, id);
  }

  #setLeader(addr: ServerAddress, id: ServerID): void {
    if (addr === this.#leaderAddr && id === this.#leaderId) return;
    this.#leaderAddr = addr;
    this.#leaderId = id;
    this.observe({ type: 'leader', leaderAddr: addr, leaderId: id });
  }

  /**
   * The heartbeat fast path (Go's processHeartbeat): a heartbeat of the
   * current term reached a follower. It runs in the transport's callback, not
   * in a serial task, so that a task waiting on a slow disk cannot make the
   * follower time out. It is safe there because it touches only the leader's
   * identity and the contact time, which no task relies on across an await
   * (the follower timer re-reads them when it fires), and it re-checks the
   * term and role it was called for.
   */
  noteLeaderContact(term: number, addr: ServerAddress, id: ServerID): boolean {
    if (term !== this.#currentTerm || this.#state !== 'Follower') return false;
    this.#setLeader(addr, id);
    this.#contact();
    return true;
  }

  observe(data: ObservationData): void {
    if (this.observers.size === 0) return;
    const o: Observation = { raftId: this.localId, data };
    for (const observer of this.observers) observer.deliver(o);
  }

  /** Calls `listener` after every state change (and term, with it): simulators and test harnesses. */
  onStateChange(listener: (state: RaftState, term: number) => void): void {
    this.#stateListeners.push(listener);
  }

  subscribeLeadership(): AsyncQueue<boolean> {
    const q = new AsyncQueue<boolean>();
    this.#leaderSubscribers.add(q);
    return q;
  }

  unsubscribeLeadership(q: AsyncQueue<boolean>): void {
    this.#leaderSubscribers.delete(q);
  }

  #notifyLeadership(isLeader: boolean): void {
    for (const q of this.#leaderSubscribers) if (!q.closed) q.tryPush(isLeader);
    try {
      this.config.notify?.(isLeader);
    } catch (err) {
      this.logger.warn({ err }, 'leadership notify callback threw');
    }
  }

  // ---- role transitions ----------------------------------------------------

  #setState(state: RaftState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.observe({ type: 'state', state });
    for (const listener of this.#stateListeners) listener(state, this.#currentTerm);
  }

  #clearRoleTimer(): void {
    this.#roleTimer?.cancel();
    this.#roleTimer = undefined;
  }

  /** Leaves whatever role we had; pending leader work fails with `reason`. */
  #leaveRole(): void {
    this.#epoch++;
    this.#clearRoleTimer();
    this.#campaign = undefined;
    const leader = this.#leader;
    if (leader !== undefined) {
      this.#leader = undefined;
      leader.stop();
      if (this.#leaderAddr === this.localAddr) this.#setLeader('', '');
      this.#notifyLeadership(false);
      // Go updates last contact on step-down so a deposed leader does not look stale.
      this.#contact();
    }
  }

  becomeFollower(): void {
    this.#mutating('becomeFollower');
    if (this.isShutdown) return;
    const wasFollower = this.#state === 'Follower' && this.#leader === undefined && this.#campaign === undefined;
    if (!wasFollower) this.#leaveRole();
    this.#setState('Follower');
    if (!wasFollower || this.#roleTimer === undefined) this.#armFollowerTimer();
  }

  #armFollowerTimer(): void {
    this.#clearRoleTimer();
    const epoch = this.#epoch;
    this.#roleTimer = this.clock.after(randomTimeout(this.random, this.config.heartbeatTimeoutMs), () => {
      void this.serial.run(() => this.#onFollowerTimeout(epoch)).catch((err: unknown) => this.#taskFailed(err));
    });
  }

  async #onFollowerTimeout(epoch: number): Promise<void> {
    if (epoch !== this.#epoch || this.#state !== 'Follower') return;
    if (this.clock.now() - this.#lastContact < this.config.heartbeatTimeoutMs) {
      this.#armFollowerTimer();
      return;
    }
    // Heartbeat timeout: no leader any more.
    this.setLeader('', '');
    if (this.#configurations.latestIndex === 0) {
      this.logger.warn({}, 'no known peers, aborting election');
      this.#armFollowerTimer();
      return;
    }
    if (!hasVote(this.#configurations.latest, this.localId)) {
      this.logger.warn({}, 'not a voter in the latest configuration, not starting an election');
      this.#armFollowerTimer();
      return;
    }
    await this.becomeCandidate(false);
  }

  /** Starts a campaign; `transfer` when a leadership transfer asked for it (no pre-vote). */
  async becomeCandidate(transfer: boolean): Promise<void> {
    this.#mutating('becomeCandidate');
    if (this.isShutdown) return;
    this.#leaveRole();
    this.#setLeader('', '');
    this.#setState('Candidate');
    this.stats.elections++;
    const campaign = new Campaign(this, transfer, this.#epoch);
    this.#campaign = campaign;
    this.#armElectionTimer(campaign);
    await campaign.start();
  }

  #armElectionTimer(campaign: Campaign): void {
    this.#clearRoleTimer();
    this.#roleTimer = this.clock.after(randomTimeout(this.random, this.config.electionTimeoutMs), () => {
      void this.serial
        .run(async () => {
          if (this.#campaign !== campaign || this.#state !== 'Candidate') return;
          this.logger.warn({ term: this.#currentTerm }, 'election timeout reached, restarting election');
          await this.becomeCandidate(false);
        })
        .catch((err: unknown) => this.#taskFailed(err));
    });
  }

  /** A pre-vote round won: run the real election with a fresh timer. */
  restartElectionTimer(campaign: Campaign): void {
    this.#mutating('restartElectionTimer');
    this.#armElectionTimer(campaign);
  }

  becomeLeader(): void {
    this.#mutating('becomeLeader');
    invariant(this.#state === 'Candidate', 'only a candidate becomes leader');
    this.#leaveRole();
    this.#setState('Leader');
    this.stats.leaderships++;
    this.#setLeader(this.localAddr, this.localId);
    const leader = new LeaderState(this, this.#currentTerm, this.#epoch);
    this.#leader = leader;
    this.#notifyLeadership(true);
    leader.start();
  }

  /** A message carried a newer term: adopt it and follow. */
  async stepDownForTerm(term: number): Promise<void> {
    this.#mutating('stepDownForTerm');
    if (term <= this.#currentTerm || this.isShutdown) return;
    // Leave the role first (as Go does): nobody may see us lead in the new term.
    this.becomeFollower();
    await this.adoptTerm(term);
  }

  #taskFailed(err: unknown): void {
    if (this.isShutdown) return;
    this.logger.error({ err }, 'raft task failed');
    this.stopIfBroken(err);
  }

  /**
   * An invariant failure is a bug: the node stops rather than go on with
   * broken state, and the listeners hear of it. Other errors are the
   * caller's to handle.
   */
  stopIfBroken(err: unknown): void {
    if (!(err instanceof RaftInvariantError) || this.#shutdownPromise !== undefined) return;
    for (const listener of this.#invariantListeners) listener(err);
    void this.shutdown(err);
  }

  /** Calls `listener` when an invariant check fails inside this node (simulators and test harnesses count them). */
  onInvariantFailure(listener: (err: Error) => void): void {
    this.#invariantListeners.push(listener);
  }

  /** Runs `task` on the main queue, logging (not throwing) failures; for timer and RPC callbacks. */
  runTask(task: () => Promise<void> | void): void {
    if (this.isShutdown) return;
    void this.serial.run(task).catch((err: unknown) => this.#taskFailed(err));
  }

  // ---- applying committed entries ----------------------------------------

  /** Hands entries (lastApplied, index] to the FSM, with the leader's futures where it has them. */
  async processLogs(index: number, futures: readonly LogFuture[] = []): Promise<void> {
    this.#mutating('processLogs');
    if (index <= this.#lastApplied) {
      for (const f of futures) if (f.log.index <= this.#lastApplied) f.respond(undefined);
      return;
    }
    invariant(index <= this.#commitIndex, () => `applying ${index} beyond commit index ${this.#commitIndex}`);
    const byIndex = new Map<number, LogFuture>();
    for (const f of futures) byIndex.set(f.log.index, f);
    let batch: CommittedEntry[] = [];
    for (let i = this.#lastApplied + 1; i <= index; i++) {
      const future = byIndex.get(i);
      const log = future?.log ?? (await this.logs.getLog(i));
      invariant(log.index === i, () => `log store returned index ${log.index} for ${i}`);
      batch.push({ log, future });
      // One FSM job for a leader's whole write (see FsmRunner.enqueue); more only for a long catch-up.
      if (batch.length >= this.config.maxAppendEntries * FSM_JOB_BATCHES) {
        this.fsmRunner.enqueue(batch);
        batch = [];
      }
    }
    this.fsmRunner.enqueue(batch);
    this.#lastApplied = index;
  }

  /**
   * A log store that cannot hold gaps (isMonotonic) takes the entries after
   * a snapshot at `snapIndex` only once its own log no longer ends before
   * it: every entry it holds then is covered by the snapshot, so the log
   * goes. This is the state an InstallSnapshot leaves when its own cleanup
   * did not happen (a crash, a failed delete); true when it dropped entries.
   */
  async dropLogBehindSnapshot(snapIndex: number): Promise<boolean> {
    if (this.logs.isMonotonic?.() !== true) return false;
    const last = await this.logs.lastIndex();
    if (last === 0 || last >= snapIndex) return false;
    const first = await this.logs.firstIndex();
    this.logger.warn({ first, last, snapshot: snapIndex }, 'log ends before the snapshot, dropping it');
    await this.logs.deleteRange(first, last);
    return true;
  }

  /** Deletes log entries made redundant by a snapshot at `snapIndex`, keeping trailingLogs. */
  async compactLogs(snapIndex: number): Promise<void> {
    const first = await this.logs.firstIndex();
    if (first === 0) return;
    const last = await this.logs.lastIndex();
    if (last <= this.config.trailingLogs) return;
    const max = Math.min(snapIndex, last - this.config.trailingLogs);
    if (first > max) return;
    this.logger.info({ from: first, to: max }, 'compacting logs');
    await this.logs.deleteRange(first, max);
  }

  // ---- shutdown -------------------------------------------------------------

  onShutdown(hook: () => void): void {
    this.#shutdownHooks.push(hook);
  }

  #shutdownPromise: Promise<void> | undefined;

  /** Stops everything; pending operations fail with RaftShutdownError. Idempotent, and callable from anywhere. */
  shutdown(cause?: unknown): Promise<void> {
    if (this.#shutdownPromise !== undefined) return this.#shutdownPromise;
    if (cause !== undefined) this.logger.error({ err: cause }, 'shutting down');
    this.#phase = 'stopped';
    const wasLeader = this.#leader !== undefined;
    this.#clearRoleTimer();
    this.#epoch++;
    this.#campaign = undefined;
    const leader = this.#leader;
    this.#leader = undefined;
    this.#state = 'Shutdown';
    this.observe({ type: 'state', state: 'Shutdown' });
    for (const listener of this.#stateListeners) listener('Shutdown', this.#currentTerm);
    leader?.stop(new RaftShutdownError());
    if (wasLeader) this.#notifyLeadership(false);
    for (const hook of this.#shutdownHooks.splice(0)) hook();
    for (const q of this.#leaderSubscribers) q.close();
    for (const o of this.observers) o.close();
    this.transport.setHandler(undefined);
    this.#shutdownPromise = (async () => {
      await this.transport.close();
      await this.serial.drain();
      await this.fsmRunner.drain();
    })();
    return this.#shutdownPromise;
  }
}
