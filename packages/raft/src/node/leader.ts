/**
 * LeaderState: everything a node keeps only while it leads one term (Go's
 * leaderState and leaderLoop): the queue of entries to append (group commit),
 * the entries in flight, commitment, one Replicator per peer, the stability
 * rule for membership changes, verify rounds (verifyLeader, readIndex), the
 * check-quorum lease and the read lease.
 */
import type { Timer } from '@shoal/kit';
import { Commitment } from './commitment.js';
import type { ConfigurationChangeRequest, ServerID } from '../configuration.js';
import { hasVote, quorumSize, ServerSuffrage } from '../configuration.js';
import { nextConfiguration } from './rules/configuration-change.js';
import { encodeConfiguration } from '../configuration-codec.js';
import type { RaftCore } from './core.js';
import {
  AbortedByRestoreError,
  invariant,
  LeadershipLostError,
  LeadershipTransferInProgressError,
  NotLeaderError,
} from '../errors.js';
import { LogType, makeLog, type Log } from '../log.js';
import { LogFuture } from '../log-future.js';
import { Replicator } from './replication.js';
import { localWriteStalled } from './rules/disk-stall.js';
import { checkQuorum, readLeaseExpiry } from './rules/lease.js';
import { LeadershipTransfer } from './transfer.js';
import { WriteInProgress } from './write-in-progress.js';

/** At most this many maxAppendEntries-sized batches go to the log in one write. */
const WRITE_BATCHES = 16;

/** A confirmation that we still lead: done once a quorum acknowledged a message sent after it began. */
interface VerifyRound {
  seq: number;
  acks: Set<ServerID>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class LeaderState {
  readonly core: RaftCore;
  readonly term: number;
  readonly epoch: number;
  active = true;
  readonly commitment: Commitment;
  readonly replicators = new Map<ServerID, Replicator>();
  /** Appended, not yet committed, in index order. */
  inflight: LogFuture[] = [];
  /** Waiting to be appended (group commit). */
  readonly #pending: LogFuture[] = [];
  /** Membership changes waiting for a stable configuration. */
  readonly #pendingChanges: { future: LogFuture; change: ConfigurationChangeRequest }[] = [];
  /** The committed configuration no longer has us as a voter: take nothing new. */
  stepDownPending = false;
  transfer: LeadershipTransfer | undefined;
  /** Once TimeoutNow has been sent this term, another server may lead: no lease reads. */
  leaseRevoked = false;
  #pumpScheduled = false;
  #commitScheduled = false;
  /** Set while dispatch waits for our log write: wakes it to process a commit (see #awaitWrite). */
  #commitWhileWriting: (() => void) | undefined;
  #leaseTimer: Timer | undefined;
  /** Clock time our log write in progress started; undefined when none is (read outside the task). */
  #localWriteStartedAt: number | undefined;
  /** Our log write the replicators may already send from (config.parallelAppend). */
  readonly #writing = new WriteInProgress();
  #stallReported = false;
  /** Incremented when a verify round starts; each RPC remembers the value at send time. */
  roundSeq = 0;
  #rounds: VerifyRound[] = [];

  constructor(core: RaftCore, term: number, epoch: number) {
    this.core = core;
    this.term = term;
    this.epoch = epoch;
    this.commitment = new Commitment(core.configurations.latest, core.lastLogIndex + 1, () => this.#scheduleCommit());
  }

  get live(): boolean {
    return this.active && this.core.leader === this && !this.core.isShutdown;
  }

  start(): void {
    this.startStopReplication();
    // Commit entries of earlier terms through an entry of ours (Raft §5.4.2).
    const noop = new LogFuture(makeLog({ index: 0, term: 0, type: LogType.Noop }));
    this.#pending.unshift(noop);
    this.#schedulePump();
    this.#armLeaseCheck(this.core.config.leaderLeaseTimeoutMs);
  }

  /** Ends this leadership: fails waiting work. `error` overrides the default errors (shutdown). */
  stop(error?: Error): void {
    if (!this.active) return;
    this.active = false;
    this.#leaseTimer?.cancel();
    for (const r of this.replicators.values()) r.stop();
    this.replicators.clear();
    for (const f of this.inflight) f.fail(error ?? new LeadershipLostError());
    this.inflight = [];
    const notLeader = (): Error => error ?? new NotLeaderError(this.core.leaderAddr === this.core.localAddr ? '' : this.core.leaderAddr, this.core.leaderAddr === this.core.localAddr ? '' : this.core.leaderId);
    for (const f of this.#pending.splice(0)) f.fail(notLeader());
    for (const c of this.#pendingChanges.splice(0)) c.future.fail(notLeader());
    for (const round of this.#rounds.splice(0)) round.reject(error ?? new LeadershipLostError());
    for (const w of this.#readWaiters.splice(0)) w.reject(error ?? new LeadershipLostError());
    this.transfer?.onLeadershipLost();
  }

  // ---- replication set ----------------------------------------------------

  /** Starts replicators for new servers of the latest configuration and stops those removed. */
  startStopReplication(): void {
    const core = this.core;
    const inConfig = new Set<ServerID>();
    for (const server of core.configurations.latest.servers) {
      if (server.id === core.localId) continue;
      inConfig.add(server.id);
      const existing = this.replicators.get(server.id);
      if (existing !== undefined) {
        existing.peer = { ...server };
        continue;
      }
      const r = new Replicator(this, { ...server }, core.lastLogIndex + 1);
      this.replicators.set(server.id, r);
      core.logger.info({ peer: server.id }, 'added peer, starting replication');
      r.start();
      core.observe({ type: 'peer', removed: false, peer: { ...server } });
    }
    for (const [id, r] of this.replicators) {
      if (inConfig.has(id)) continue;
      core.logger.info({ peer: id, lastIndex: core.lastLogIndex }, 'removed peer, stopping replication');
      r.stop(core.lastLogIndex);
      this.replicators.delete(id);
      core.observe({ type: 'peer', removed: true, peer: { ...r.peer } });
    }
  }

  // ---- appending ------------------------------------------------------------

  /** Queues a user entry (apply, barrier). */
  enqueue(future: LogFuture): void {
    this.#pending.push(future);
    future.onEnqueueTimeout = () => {
      const at = this.#pending.indexOf(future);
      if (at >= 0) this.#pending.splice(at, 1);
    };
    this.#schedulePump();
  }

  /** Queues a membership change; it is appended once the configuration is stable. */
  enqueueChange(future: LogFuture, change: ConfigurationChangeRequest): void {
    const item = { future, change };
    this.#pendingChanges.push(item);
    future.onEnqueueTimeout = () => {
      const at = this.#pendingChanges.indexOf(item);
      if (at >= 0) this.#pendingChanges.splice(at, 1);
    };
    this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || !this.live) return;
    this.#pumpScheduled = true;
    this.core.runTask(async () => {
      this.#pumpScheduled = false;
      await this.#pump();
    });
  }

  /** Go's configurationChangeChIfStable: the latest configuration is committed and so is our no-op. */
  #configurationStable(): boolean {
    const c = this.core.configurations;
    return c.latestIndex === c.committedIndex && this.core.commitIndex >= this.commitment.startIndex;
  }

  async #pump(): Promise<void> {
    while (this.live) {
      if (this.#pendingChanges.length > 0 && this.#configurationStable()) {
        const item = this.#pendingChanges.shift()!;
        if (this.transfer !== undefined) item.future.fail(new LeadershipTransferInProgressError());
        else await this.#appendConfiguration(item.future, item.change);
        continue;
      }
      if (this.#pending.length === 0) return;
      // The no-op always goes first; user entries wait while a transfer runs.
      const first = this.#pending[0]!;
      if (first.log.type !== LogType.Noop && (this.transfer !== undefined || this.stepDownPending)) {
        const error = this.stepDownPending ? new NotLeaderError() : new LeadershipTransferInProgressError();
        for (const f of this.#pending.splice(0)) f.fail(error);
        return;
      }
      // Everything queued goes to the log in one write and one sync, up to
      // WRITE_BATCHES AppendEntries' worth: the replicators still send it in
      // messages of maxAppendEntries. Go appends maxAppendEntries per write,
      // so 256 waiting applies cost it four syncs back to back, and a
      // commit four times the latency of one.
      const batch = this.#pending.splice(0, this.core.config.maxAppendEntries * WRITE_BATCHES);
      await this.dispatch(batch);
      // A commit our write made possible goes first, in its own task: the
      // applies it answers come back with entries for the next write, and
      // they have had their turn by the time the pump runs again.
      if (this.#commitScheduled) {
        this.#schedulePump();
        return;
      }
    }
  }

  async #appendConfiguration(future: LogFuture, change: ConfigurationChangeRequest): Promise<void> {
    const core = this.core;
    let next;
    try {
      next = nextConfiguration(core.configurations.latest, core.configurations.latestIndex, change);
    } catch (err) {
      future.fail(err);
      return;
    }
    core.logger.info({ change, servers: next.servers }, 'updating configuration');
    future.log.type = LogType.Configuration;
    future.log.data = encodeConfiguration(next);
    await this.dispatch([future]);
    if (!this.live || !future.dispatched) return;
    core.setLatestConfiguration(next, future.log.index);
    this.commitment.setConfiguration(next);
    this.startStopReplication();
  }

  /**
   * The last entry the replicators may send: our log's, or the last of the
   * write in progress. Followers may hold (and acknowledge) entries before
   * we do; the match index of our own server moves only once they are
   * durable here, so a commit always rests on a quorum of durable copies.
   */
  get replicaLastIndex(): number {
    return this.#writing.lastIndex(this.core.lastLogIndex);
  }

  /** Entry `index` for a replicator: from the write in progress, else from the log store. */
  entryAt(index: number): Promise<Log> {
    const writing = this.#writing.get(index);
    return writing !== undefined ? Promise.resolve(writing) : this.core.logs.getLog(index);
  }

  /**
   * Appends entries to our log, then lets the replicators send them (Go's
   * dispatchLogs); with config.parallelAppend they send while the write runs
   * (etcd's parallel append), and a commit waits for the second fastest of
   * our disk and the followers' round trips, not their sum: once a quorum
   * of followers has made an entry durable it is committed, and we apply it
   * and answer from memory while our own write of it runs (we count
   * ourselves only once that write returns). Configuration entries always
   * go to disk first: the new configuration takes effect for commitment only
   * after this returns. Commits are processed while the write runs
   * (#awaitWrite); nothing else runs on the main queue meanwhile, so our
   * log's end is ours alone to move.
   */
  async dispatch(futures: LogFuture[]): Promise<void> {
    const core = this.core;
    const live = futures.filter((f) => !f.settled || f.log.type === LogType.Noop);
    if (live.length === 0) return;
    invariant(core.currentTerm === this.term, 'leader dispatching in a term it does not lead');
    const first = core.lastLogIndex + 1;
    let index = core.lastLogIndex;
    const now = core.clock.wallTime();
    for (const f of live) {
      f.log.index = ++index;
      f.log.term = this.term;
      f.log.appendedAt = now;
      f.dispatched = true;
    }
    // In flight from now on: a commit by the followers may answer them before our write returns.
    this.inflight.push(...live);
    const startedAt = core.clock.now();
    this.#localWriteStartedAt = startedAt;
    const logs = live.map((f) => f.log);
    if (core.config.parallelAppend && logs.every((l) => l.type !== LogType.Configuration)) {
      this.#writing.begin(logs);
      for (const r of this.replicators.values()) r.trigger();
    }
    const failure = await this.#awaitWrite(core.logs.storeLogs(logs));
    this.#writing.end();
    if (failure !== undefined) {
      // We never count these, and we do not know what reached our disk, so
      // our log's end stays where it was; Go's dispatchLogs steps down too.
      // Those a quorum of followers made durable meanwhile are committed and
      // stay answered (fail() leaves a settled future alone); stepping down
      // fails the rest. The commit index may then stand past our log's end
      // until a leader's entries fill it in (core.advanceCommit).
      this.#localWriteStartedAt = undefined;
      core.logger.error({ err: failure.err, from: first, to: index }, 'failed to commit logs, stepping down');
      core.metrics.incrCounter('raft.storage.errors', 1, { op: 'storeLogs', role: 'leader' });
      for (const f of live) f.fail(failure.err);
      if (this.live) core.becomeFollower();
      return;
    }
    const stalled = this.localDiskStalled();
    this.#localWriteStartedAt = undefined;
    // Only this task appends to a leader's log: nothing may have moved its end meanwhile.
    invariant(core.lastLogIndex === first - 1, () => `leader log moved from ${first - 1} to ${core.lastLogIndex} while appending`);
    // The entries are in our log whatever became of our leadership meanwhile
    // (a commit processed while we waited may have stepped us down).
    core.recordLastLog(index, this.term);
    if (!this.live) {
      for (const f of live) f.fail(new LeadershipLostError());
      return;
    }
    if (stalled) {
      // The replicators stopped speaking for us while the write hung, so
      // another leader may be elected by now: these entries are in our log
      // but never counted by us, and stepping down fails those the
      // followers had not committed.
      core.logger.warn({ from: first, to: index, tookMs: core.clock.now() - startedAt }, 'log write stalled past the leader lease, stepping down');
      core.becomeFollower();
      return;
    }
    this.commitment.match(core.localId, index);
    for (const r of this.replicators.values()) r.trigger();
    // #processCommit goes no further than replicaLastIndex: had the
    // followers' answers moved the commitment past it, match() above would
    // not move it again, so look once more now that our log has these.
    if (this.commitment.commitIndex > core.commitIndex) this.#scheduleCommit();
  }

  /**
   * Waits for our own log write, processing commits meanwhile: this task is
   * the one a commit would queue behind, so entries the followers and our
   * earlier writes already made durable on a quorum are answered now, not
   * one write later. Resolves undefined once the write is done, or the
   * reason it failed.
   */
  async #awaitWrite(write: Promise<void>): Promise<{ err: unknown } | undefined> {
    const outcome = write.then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    for (;;) {
      // Advances that came while a commit was being processed found no waker: look again until none is left.
      while (this.live && Math.min(this.commitment.commitIndex, this.replicaLastIndex) > this.core.commitIndex) await this.#processCommit();
      const woken = new Promise<'commit'>((resolve) => (this.#commitWhileWriting = () => resolve('commit')));
      const next = await Promise.race([outcome, woken]);
      this.#commitWhileWriting = undefined;
      if (next !== 'commit') return next;
    }
  }

  /**
   * Whether our own log write has hung for longer than the leader lease
   * (rules/disk-stall.ts). The replicators ask before every message, outside
   * the serial task: that task is the one stuck awaiting the disk, so no
   * check inside it could run. Once this holds they stay silent, followers
   * time out and elect another leader, and this node steps down when its
   * write returns (above).
   */
  localDiskStalled(): boolean {
    return localWriteStalled(this.#localWriteStartedAt, this.core.clock.now(), this.core.config.leaderLeaseTimeoutMs);
  }

  /** A replicator stayed silent because of a stall: say so once per leadership. */
  noteSilencedByStall(): void {
    if (this.#stallReported) return;
    this.#stallReported = true;
    const core = this.core;
    const sinceMs = this.#localWriteStartedAt === undefined ? 0 : core.clock.now() - this.#localWriteStartedAt;
    core.logger.error({ sinceMs, limitMs: core.config.leaderLeaseTimeoutMs }, 'local log write stalled, no longer heartbeating as leader');
    core.metrics.incrCounter('raft.storage.stalls', 1, { op: 'storeLogs', role: 'leader' });
  }

  // ---- commitment -------------------------------------------------------

  #scheduleCommit(): void {
    const wake = this.#commitWhileWriting;
    if (wake !== undefined) {
      // dispatch is waiting for our write inside the task a commit would queue behind: it commits.
      this.#commitWhileWriting = undefined;
      wake();
      return;
    }
    if (this.#commitScheduled) return;
    this.#commitScheduled = true;
    this.core.runTask(async () => {
      this.#commitScheduled = false;
      await this.#processCommit();
    });
  }

  async #processCommit(): Promise<void> {
    if (!this.live) return;
    const core = this.core;
    const oldCommit = core.commitIndex;
    // Never past the entries we hold, in our log or in our write in progress
    // (with parallelAppend the followers can make an entry durable on a
    // quorum before our own write of it returns: it is committed then, and
    // its future is in inflight).
    const newCommit = Math.min(this.commitment.commitIndex, this.replicaLastIndex);
    if (newCommit <= oldCommit) return;
    core.advanceCommit(newCommit);
    const c = core.configurations;
    if (c.latestIndex > oldCommit && c.latestIndex <= newCommit) {
      core.setCommittedConfiguration(c.latest, c.latestIndex);
      if (!hasVote(c.committed, core.localId)) this.stepDownPending = true;
    }
    let ready = 0;
    while (ready < this.inflight.length && this.inflight[ready]!.log.index <= newCommit) ready++;
    const committed = this.inflight.splice(0, ready);
    await core.processLogs(newCommit, committed);
    this.#settleReads();
    if (this.stepDownPending && this.live) {
      if (core.config.shutdownOnRemove) {
        core.logger.info({}, 'removed ourself, shutting down');
        void core.shutdown();
      } else {
        core.logger.info({}, 'removed ourself, transitioning to follower');
        core.becomeFollower();
      }
      return;
    }
    if (this.#pendingChanges.length > 0) this.#schedulePump();
  }

  // ---- verify rounds and leases -----------------------------------------

  /** Resolves once a quorum of voters acknowledged a message sent after this call (Go's VerifyLeader). */
  verify(): Promise<void> {
    const core = this.core;
    const acks = new Set<ServerID>();
    if (hasVote(core.configurations.latest, core.localId)) acks.add(core.localId);
    if (acks.size >= quorumSize(core.configurations.latest)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const round: VerifyRound = { seq: ++this.roundSeq, acks, resolve, reject };
      this.#rounds.push(round);
      for (const r of this.replicators.values()) r.heartbeatNow();
    });
  }

  /** A peer answered an RPC we sent when roundSeq was `sentSeq`, at clock time `sentAt`, accepting our term. */
  acknowledge(peer: ServerID, sentSeq: number, sentAt: number): void {
    const replicator = this.replicators.get(peer);
    if (replicator !== undefined && sentAt > replicator.ackedSendTime) replicator.ackedSendTime = sentAt;
    if (this.#rounds.length === 0) return;
    const latest = this.core.configurations.latest;
    if (!hasVote(latest, peer)) return;
    const needed = quorumSize(latest);
    const still: VerifyRound[] = [];
    for (const round of this.#rounds) {
      if (round.seq <= sentSeq) round.acks.add(peer);
      let votes = 0;
      for (const id of round.acks) if (hasVote(latest, id)) votes++;
      if (votes >= needed) round.resolve();
      else still.push(round);
    }
    this.#rounds = still;
  }

  /** Reads wait for our no-op to commit: before that, our commit index may lag the cluster's. */
  #readWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  /** Resolves once an entry of this term is committed; rejects if we stop leading first. */
  awaitTermCommitted(): Promise<void> {
    if (!this.active) return Promise.reject(new LeadershipLostError());
    if (this.core.commitIndex >= this.commitment.startIndex) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readWaiters.push({ resolve, reject }));
  }

  #settleReads(): void {
    if (this.core.commitIndex < this.commitment.startIndex) return;
    for (const w of this.#readWaiters.splice(0)) w.resolve();
  }

  /**
   * The read lease: until when no other leader can exist, given the
   * acknowledgements we hold (clock time), or -Infinity.
   */
  leaseExpiry(): number {
    const core = this.core;
    const latest = core.configurations.latest;
    const ackedSendTimes: number[] = [];
    for (const s of latest.servers) {
      if (s.suffrage !== ServerSuffrage.Voter) continue;
      if (s.id === core.localId) ackedSendTimes.push(Number.POSITIVE_INFINITY);
      else ackedSendTimes.push(this.replicators.get(s.id)?.ackedSendTime ?? Number.NEGATIVE_INFINITY);
    }
    return readLeaseExpiry({
      enabled: core.config.leaseReads && !this.leaseRevoked && this.transfer === undefined,
      termCommitted: core.commitIndex >= this.commitment.startIndex,
      ackedSendTimes,
      needed: quorumSize(latest),
      heartbeatTimeoutMs: core.config.heartbeatTimeoutMs,
      maxClockDriftRatio: core.config.maxClockDriftRatio,
    });
  }

  #armLeaseCheck(delayMs: number): void {
    this.#leaseTimer = this.core.clock.after(delayMs, () => this.core.runTask(() => this.#checkLease()));
  }

  /** Go's checkLeaderLease: step down without contact with a quorum within leaderLeaseTimeout. */
  #checkLease(): void {
    if (!this.live) return;
    const core = this.core;
    const latest = core.configurations.latest;
    const voters = latest.servers
      .filter((s) => s.suffrage === ServerSuffrage.Voter)
      .map((s) => ({ id: s.id, lastContact: this.replicators.get(s.id)?.lastContact }));
    const now = core.clock.now();
    const check = checkQuorum(voters, core.localId, now, core.config.leaderLeaseTimeoutMs, quorumSize(latest));
    for (const peer of check.missed) {
      core.logger.debug({ peer, sinceMs: now - (this.replicators.get(peer)?.lastContact ?? Number.NEGATIVE_INFINITY) }, 'failed to contact');
    }
    if (check.stepDown) {
      core.logger.warn({}, 'failed to contact quorum of nodes, stepping down');
      core.becomeFollower();
      return;
    }
    this.#armLeaseCheck(check.nextCheckMs);
  }

  /** A user restore supersedes every entry in flight. */
  abortInflightForRestore(): void {
    for (const f of this.inflight) f.fail(new AbortedByRestoreError());
    this.inflight = [];
  }

  /** No lease reads for the rest of this term (timing assumptions changed). */
  revokeLease(): void {
    this.leaseRevoked = true;
  }

  // ---- leadership transfer ------------------------------------------------

  /** Starts a transfer to `target` (or the most up-to-date voter). */
  startTransfer(targetId: ServerID | undefined, targetAddr: string | undefined): Promise<void> {
    if (this.transfer !== undefined) return Promise.reject(new LeadershipTransferInProgressError());
    const t = new LeadershipTransfer(this, targetId, targetAddr);
    this.transfer = t;
    return t.run().finally(() => {
      if (this.transfer === t) this.transfer = undefined;
      // Entries queued during the transfer were refused; resume normal service.
      this.#schedulePump();
    });
  }
}
