/**
 * RaftCore: one node's state and its role transitions (Go's Raft struct and
 * raftState, minus the public API, which lives in raft.ts). Every mutation
 * runs inside a task of `serial` (Go's main goroutine); timers and RPC
 * answers re-enter through it. Role-specific logic lives beside it:
 * election.ts (candidate, votes), follower-rpc.ts (AppendEntries,
 * InstallSnapshot), leader.ts and replication.ts, snapshotter.ts.
 */
import type { Clock, Random, Timer } from '@shoal/kit';
import type { RpcHeader } from '../commands.js';
import type { Config, RaftLogger } from '../config.js';
import { silentLogger, utf8 } from '@shoal/kit';
import type { Configuration, Configurations, ServerAddress, ServerID } from '../configuration.js';
import { cloneConfiguration, emptyConfigurations, hasVote } from '../configuration.js';
import { decodeConfiguration } from '../configuration-codec.js';
import { invariant, KeyNotFoundError, RaftShutdownError } from '../errors.js';
import type { FSM } from '../fsm.js';
import type { CommittedEntry } from './fsm-runner.js';
import { FsmRunner } from './fsm-runner.js';
import type { Log } from '../log.js';
import { LogType } from '../log.js';
import type { LogFuture } from '../log-future.js';
import type { Observation, ObservationData, Observer } from '../observer.js';
import { SerialQueue } from './serial-queue.js';
import type { SnapshotStore } from '../storage/snapshot.js';
import type { RaftState } from '../state.js';
import type { LogStore, StableStore } from '../storage/stores.js';
import { KEY_CURRENT_TERM, KEY_LAST_VOTE_CAND, KEY_LAST_VOTE_TERM } from '../storage/stores.js';
import { randomTimeout } from './timing.js';
import type { Transport } from '../transport/transport.js';
import { AsyncQueue } from '@shoal/kit';
// Role modules are imported for their classes; they import only types from here.
import { Campaign } from './election.js';
import { LeaderState } from './leader.js';

export interface RaftDeps {
  config: Config;
  fsm: FSM;
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
  transport: Transport;
  clock: Clock;
  random: Random;
}

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
  readonly localId: ServerID;
  readonly localAddr: ServerAddress;
  readonly serial = new SerialQueue();
  readonly fsmRunner: FsmRunner;
  readonly header: RpcHeader;
  readonly localAddrBytes: Uint8Array;

  state: RaftState = 'Follower';
  currentTerm = 0;
  /** Last index/term in the log, or of the last snapshot when the log ends before it. */
  lastLogIndex = 0;
  lastLogTerm = 0;
  lastSnapshotIndex = 0;
  lastSnapshotTerm = 0;
  commitIndex = 0;
  /** Highest index handed to the FSM runner (the FSM may still be applying it). */
  lastApplied = 0;
  configurations: Configurations = emptyConfigurations();
  leaderAddr: ServerAddress = '';
  leaderId: ServerID = '';
  /** Clock time of the last valid contact from a leader (or of start-up). */
  lastContact: number;
  /** Whether any leader was ever heard from (Stats' "never"). */
  everContacted = false;
  /** Votes (but not transfers) are refused until then: a restarted server stays quiet for a heartbeat timeout (lease safety). */
  voteQuietUntil: number;
  leader: LeaderState | undefined;
  campaign: Campaign | undefined;
  /** Bumped on every role change; stale timers and answers compare it. */
  epoch = 0;
  #roleTimer: Timer | undefined;

  readonly observers = new Set<Observer>();
  readonly #leaderSubscribers = new Set<AsyncQueue<boolean>>();
  /** Hooks for the simulator: called after every state or term change. */
  onStateChange: ((state: RaftState, term: number) => void) | undefined;
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
    this.logger = deps.config.logger ?? silentLogger;
    this.localId = deps.config.localId;
    this.localAddr = deps.transport.localAddr;
    this.localAddrBytes = deps.transport.encodePeer(this.localId, this.localAddr);
    this.header = { protocolVersion: deps.config.protocolVersion, id: utf8(this.localId), addr: this.localAddrBytes };
    this.fsmRunner = new FsmRunner(deps.fsm, this.logger, (err) => void this.shutdown(err));
    const now = deps.clock.now();
    this.lastContact = now;
    this.voteQuietUntil = now + deps.config.heartbeatTimeoutMs;
  }

  get isShutdown(): boolean {
    return this.state === 'Shutdown';
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

  /** Persists then adopts a term. Terms never go back. */
  async setCurrentTerm(term: number): Promise<void> {
    invariant(term >= this.currentTerm, () => `term must not decrease (${this.currentTerm} -> ${term})`);
    if (term === this.currentTerm) return;
    invariant(this.state !== 'Leader' || this.leader === undefined, 'a leader must not change its term');
    await this.stable.setUint64(KEY_CURRENT_TERM, term);
    this.currentTerm = term;
  }

  /** Persists a vote before it is granted. */
  async persistVote(term: number, candidate: Uint8Array): Promise<void> {
    await this.stable.setUint64(KEY_LAST_VOTE_TERM, term);
    await this.stable.set(KEY_LAST_VOTE_CAND, candidate);
  }

  setLastLog(index: number, term: number): void {
    this.lastLogIndex = index;
    this.lastLogTerm = term;
  }

  setCommitIndex(index: number): void {
    invariant(index >= this.commitIndex, () => `commit index must not decrease (${this.commitIndex} -> ${index})`);
    this.commitIndex = index;
  }

  setLatestConfiguration(c: Configuration, index: number): void {
    this.configurations.latest = cloneConfiguration(c);
    this.configurations.latestIndex = index;
  }

  setCommittedConfiguration(c: Configuration, index: number): void {
    this.configurations.committed = cloneConfiguration(c);
    this.configurations.committedIndex = index;
  }

  /** A configuration entry was appended: the previous latest is now known committed (at most one is not). */
  processConfigurationEntry(entry: Log): void {
    if (entry.type !== LogType.Configuration) return;
    this.setCommittedConfiguration(this.configurations.latest, this.configurations.latestIndex);
    this.setLatestConfiguration(decodeConfiguration(entry.data), entry.index);
  }

  // ---- contact, leader, observers ----------------------------------------

  touchContact(): void {
    this.lastContact = this.clock.now();
    this.everContacted = true;
  }

  setLeader(addr: ServerAddress, id: ServerID): void {
    if (addr === this.leaderAddr && id === this.leaderId) return;
    this.leaderAddr = addr;
    this.leaderId = id;
    this.observe({ type: 'leader', leaderAddr: addr, leaderId: id });
  }

  observe(data: ObservationData): void {
    if (this.observers.size === 0) return;
    const o: Observation = { raftId: this.localId, data };
    for (const observer of this.observers) observer.deliver(o);
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

  // ---- role transitions (call inside a serial task) ----------------------

  #setState(state: RaftState): void {
    if (this.state === state) return;
    this.state = state;
    this.observe({ type: 'state', state });
    this.onStateChange?.(state, this.currentTerm);
  }

  #clearRoleTimer(): void {
    this.#roleTimer?.cancel();
    this.#roleTimer = undefined;
  }

  /** Leaves whatever role we had; pending leader work fails with `reason`. */
  #leaveRole(): void {
    this.epoch++;
    this.#clearRoleTimer();
    this.campaign = undefined;
    const leader = this.leader;
    if (leader !== undefined) {
      this.leader = undefined;
      leader.stop();
      if (this.leaderAddr === this.localAddr) this.setLeader('', '');
      this.#notifyLeadership(false);
      // Go updates last contact on step-down so a deposed leader does not look stale.
      this.touchContact();
    }
  }

  becomeFollower(): void {
    if (this.isShutdown) return;
    const wasFollower = this.state === 'Follower' && this.leader === undefined && this.campaign === undefined;
    if (!wasFollower) this.#leaveRole();
    this.#setState('Follower');
    if (!wasFollower || this.#roleTimer === undefined) this.#armFollowerTimer();
  }

  #armFollowerTimer(): void {
    this.#clearRoleTimer();
    const epoch = this.epoch;
    this.#roleTimer = this.clock.after(randomTimeout(this.random, this.config.heartbeatTimeoutMs), () => {
      void this.serial.run(() => this.#onFollowerTimeout(epoch)).catch((err: unknown) => this.#taskFailed(err));
    });
  }

  async #onFollowerTimeout(epoch: number): Promise<void> {
    if (epoch !== this.epoch || this.state !== 'Follower') return;
    if (this.clock.now() - this.lastContact < this.config.heartbeatTimeoutMs) {
      this.#armFollowerTimer();
      return;
    }
    // Heartbeat timeout: no leader any more.
    this.setLeader('', '');
    if (this.configurations.latestIndex === 0) {
      this.logger.warn({}, 'no known peers, aborting election');
      this.#armFollowerTimer();
      return;
    }
    if (!hasVote(this.configurations.latest, this.localId)) {
      this.logger.warn({}, 'not a voter in the latest configuration, not starting an election');
      this.#armFollowerTimer();
      return;
    }
    await this.becomeCandidate(false);
  }

  /** Starts a campaign; `transfer` when a leadership transfer asked for it (no pre-vote). */
  async becomeCandidate(transfer: boolean): Promise<void> {
    if (this.isShutdown) return;
    this.#leaveRole();
    this.setLeader('', '');
    this.#setState('Candidate');
    this.stats.elections++;
    const campaign = new Campaign(this, transfer, this.epoch);
    this.campaign = campaign;
    this.#armElectionTimer(campaign);
    await campaign.start();
  }

  #armElectionTimer(campaign: Campaign): void {
    this.#clearRoleTimer();
    this.#roleTimer = this.clock.after(randomTimeout(this.random, this.config.electionTimeoutMs), () => {
      void this.serial
        .run(async () => {
          if (this.campaign !== campaign || this.state !== 'Candidate') return;
          this.logger.warn({ term: this.currentTerm }, 'election timeout reached, restarting election');
          await this.becomeCandidate(false);
        })
        .catch((err: unknown) => this.#taskFailed(err));
    });
  }

  /** A pre-vote round won: run the real election with a fresh timer. */
  restartElectionTimer(campaign: Campaign): void {
    this.#armElectionTimer(campaign);
  }

  becomeLeader(): void {
    invariant(this.state === 'Candidate', 'only a candidate becomes leader');
    this.#leaveRole();
    this.#setState('Leader');
    this.stats.leaderships++;
    this.setLeader(this.localAddr, this.localId);
    const leader = new LeaderState(this, this.currentTerm, this.epoch);
    this.leader = leader;
    this.#notifyLeadership(true);
    leader.start();
  }

  /** A message carried a newer term: adopt it and follow. */
  async stepDownForTerm(term: number): Promise<void> {
    if (term <= this.currentTerm || this.isShutdown) return;
    // Leave the role first (as Go does): nobody may see us lead in the new term.
    this.becomeFollower();
    await this.setCurrentTerm(term);
  }

  #taskFailed(err: unknown): void {
    if (this.isShutdown) return;
    this.logger.error({ err }, 'raft task failed');
    // An invariant failure is a bug: stop rather than continue with broken state.
    if (err instanceof Error && (err as { code?: string }).code === 'ERR_RAFT_INVARIANT') void this.shutdown(err);
  }

  /** Runs `task` on the main queue, logging (not throwing) failures; for timer and RPC callbacks. */
  runTask(task: () => Promise<void> | void): void {
    if (this.isShutdown) return;
    void this.serial.run(task).catch((err: unknown) => this.#taskFailed(err));
  }

  // ---- applying committed entries ----------------------------------------

  /** Hands entries (lastApplied, index] to the FSM, with the leader's futures where it has them. */
  async processLogs(index: number, futures: readonly LogFuture[] = []): Promise<void> {
    if (index <= this.lastApplied) {
      for (const f of futures) if (f.log.index <= this.lastApplied) f.respond(undefined);
      return;
    }
    invariant(index <= this.commitIndex, () => `applying ${index} beyond commit index ${this.commitIndex}`);
    const byIndex = new Map<number, LogFuture>();
    for (const f of futures) byIndex.set(f.log.index, f);
    let batch: CommittedEntry[] = [];
    for (let i = this.lastApplied + 1; i <= index; i++) {
      const future = byIndex.get(i);
      const log = future?.log ?? (await this.logs.getLog(i));
      invariant(log.index === i, () => `log store returned index ${log.index} for ${i}`);
      batch.push({ log, future });
      if (batch.length >= this.config.maxAppendEntries) {
        this.fsmRunner.enqueue(batch);
        batch = [];
      }
    }
    this.fsmRunner.enqueue(batch);
    this.lastApplied = index;
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

  /** Stops everything; pending operations fail with RaftShutdownError. Idempotent. */
  shutdown(cause?: unknown): Promise<void> {
    if (this.#shutdownPromise !== undefined) return this.#shutdownPromise;
    if (cause !== undefined) this.logger.error({ err: cause }, 'shutting down');
    const wasLeader = this.leader !== undefined;
    this.#clearRoleTimer();
    this.epoch++;
    this.campaign = undefined;
    const leader = this.leader;
    this.leader = undefined;
    this.state = 'Shutdown';
    this.observe({ type: 'state', state: 'Shutdown' });
    this.onStateChange?.('Shutdown', this.currentTerm);
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
