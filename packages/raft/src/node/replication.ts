/**
 * Replicator: the leader's link to one follower (Go's followerReplication,
 * replicate, heartbeat, pipelineReplicate). Two loops per follower:
 * replication (log entries, log repair with the LastLog hint, snapshots for
 * followers behind the log, pipelining once in sync) and heartbeats (cheap
 * AppendEntries that keep the follower from campaigning and confirm
 * leadership for verify rounds).
 *
 * The loops run beside the node's serial task, not in it: they wait on the
 * network, and the main queue must not wait on them. They read the core's
 * view and change only what is theirs: this follower's progress, its contact
 * times, and its match index in the leader's Commitment. Anything that
 * changes the core (a newer term, a commit) goes back through core.runTask.
 */
import type { Timer } from '@shoal/kit';
import type { AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest } from '../commands.js';
import type { Server } from '../configuration.js';
import { encodeConfiguration } from '../configuration-codec.js';
import { LogNotFoundError, PipelineReplicationNotSupportedError } from '../errors.js';
import { FollowerProgress } from './rules/progress.js';
import type { LeaderState } from './leader.js';
import type { Log } from '../log.js';
import type { AppendPipeline } from '../transport/transport.js';
import { backoff, FAILURE_WAIT_MS, MAX_FAILURE_SCALE, randomTimeout } from './timing.js';

/** A one-shot wake-up: set() before wait() makes the next wait() return at once. */
class Signal {
  #set = false;
  #wake: (() => void) | undefined;

  set(): void {
    this.#set = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits for set() or `ms` on the clock; clears the signal. Resolves true when set() woke it, false on the timeout. */
  wait(after: (ms: number, fn: () => void) => Timer, ms: number): Promise<boolean> {
    if (this.#set) {
      this.#set = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = after(ms, () => {
        this.#wake = undefined;
        resolve(false);
      });
      this.#wake = () => {
        timer.cancel();
        this.#set = false;
        resolve(true);
      };
    });
  }
}

export class Replicator {
  peer: Server;
  readonly #leader: LeaderState;
  /** The follower's log as we know it (rules/progress.ts). */
  readonly #progress: FollowerProgress;
  /** Clock time of the last answer from the peer (check-quorum lease). */
  lastContact: number;
  /** Send time of the newest request the peer acknowledged in our term (read lease). */
  ackedSendTime = Number.NEGATIVE_INFINITY;
  #stopped = false;
  #stopAt: number | undefined;
  readonly #replicate = new Signal();
  readonly #heartbeat = new Signal();
  #progressWaiters: (() => void)[] = [];

  constructor(leader: LeaderState, peer: Server, nextIndex: number) {
    this.#leader = leader;
    this.peer = peer;
    this.#progress = new FollowerProgress(nextIndex);
    this.lastContact = leader.core.clock.now();
  }

  /** Next entry to send. */
  get nextIndex(): number {
    return this.#progress.nextIndex;
  }

  /** Highest entry known to match ours. */
  get matchIndex(): number {
    return this.#progress.matchIndex;
  }

  get #live(): boolean {
    return !this.#stopped && this.#leader.live;
  }

  start(): void {
    const core = this.#leader.core;
    void this.#runReplication().catch((err: unknown) => {
      core.logger.error({ err, peer: this.peer.id }, 'replication loop failed');
      core.stopIfBroken(err);
    });
    void this.#runHeartbeat().catch((err: unknown) => {
      core.logger.error({ err, peer: this.peer.id }, 'heartbeat loop failed');
      core.stopIfBroken(err);
    });
    this.trigger();
  }

  /** Stops; with `finalIndex`, one last attempt to replicate up to it first (a removed server learns of its removal). */
  stop(finalIndex?: number): void {
    if (this.#stopped) return;
    this.#stopAt = finalIndex;
    this.#stopped = true;
    this.#replicate.set();
    this.#heartbeat.set();
    this.#wakeProgress();
  }

  trigger(): void {
    this.#replicate.set();
  }

  heartbeatNow(): void {
    this.#heartbeat.set();
  }

  /** Resolves after the next replication answer (or failure, or stop). */
  nextProgress(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#progressWaiters.push(resolve));
  }

  #wakeProgress(): void {
    for (const w of this.#progressWaiters.splice(0)) w();
  }

  #after = (ms: number, fn: () => void): Timer => this.#leader.core.clock.after(ms, fn);

  /**
   * Whether we may send as leader now: not while our own log write hangs
   * (LeaderState.localDiskStalled). Heartbeats and appends alike keep
   * followers from campaigning, so both stop.
   */
  #maySpeakAsLeader(): boolean {
    if (!this.#leader.localDiskStalled()) return true;
    this.#leader.noteSilencedByStall();
    return false;
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => this.#after(ms, resolve));
  }

  // ---- replication loop ------------------------------------------------

  async #runReplication(): Promise<void> {
    const core = this.#leader.core;
    while (this.#live) {
      await this.#replicate.wait(this.#after, randomTimeout(core.random, core.config.commitTimeoutMs));
      if (!this.#live) break;
      if (this.#progress.pipelining) await this.#runPipeline();
      else await this.#replicateTo(this.#leader.replicaLastIndex);
    }
    const stopAt = this.#stopAt;
    if (stopAt !== undefined && stopAt > 0 && this.#leader.live) await this.#replicateTo(stopAt, true);
  }

  /** Sends entries until the peer has everything up to lastIndex, or a failure (Go's replicateTo). */
  async #replicateTo(lastIndex: number, finalAttempt = false): Promise<void> {
    const leader = this.#leader;
    const core = leader.core;
    const running = (): boolean => (finalAttempt ? leader.live : this.#live);
    while (running()) {
      if (this.#progress.failures > 0) {
        await this.#sleep(this.#progress.backoffMs);
        if (!running()) return;
      }
      const req = await this.#buildAppend(this.#progress.nextIndex, lastIndex);
      if (!running() || !this.#maySpeakAsLeader()) return;
      if (req === undefined) {
        if (!(await this.#sendLatestSnapshot())) return;
      } else {
        const sentSeq = leader.roundSeq;
        const sentAt = core.clock.now();
        let resp: AppendEntriesResponse;
        try {
          resp = await core.transport.appendEntries(this.peer.id, this.peer.address, req);
        } catch (err) {
          this.#progress.failed();
          // At error level as in Go: the one place an operator learns why a
          // peer is unreachable (refused TLS, connection refused, timeouts).
          core.logger.error({ err, peer: this.peer.id, addr: this.peer.address }, 'failed to appendEntries to');
          this.#wakeProgress();
          return;
        }
        if (!running()) return;
        if (resp.term > req.term) {
          core.runTask(() => core.stepDownForTerm(resp.term));
          return;
        }
        this.lastContact = core.clock.now();
        if (resp.success) {
          this.#updateLastAppended(req);
          leader.acknowledge(this.peer.id, sentSeq, sentAt);
        } else {
          this.#progress.rejected(resp.lastLog, resp.noRetryBackoff);
          core.logger.debug({ peer: this.peer.id, nextIndex: this.#progress.nextIndex }, 'appendEntries rejected, sending older logs');
        }
        this.#wakeProgress();
      }
      if (this.#progress.nextIndex > lastIndex) return;
    }
  }

  /** The AppendEntries for [nextIndex, lastIndex] (at most maxAppendEntries), or undefined when the log no longer has them. */
  async #buildAppend(nextIndex: number, lastIndex: number): Promise<AppendEntriesRequest | undefined> {
    const leader = this.#leader;
    const core = leader.core;
    const prev = nextIndex - 1;
    let prevTerm: number;
    const entries: Log[] = [];
    try {
      if (prev === 0) prevTerm = 0;
      else if (prev === core.lastSnapshotIndex) prevTerm = core.lastSnapshotTerm;
      else prevTerm = (await leader.entryAt(prev)).term;
      const last = Math.min(nextIndex + core.config.maxAppendEntries - 1, lastIndex);
      for (let i = nextIndex; i <= last; i++) entries.push(await leader.entryAt(i));
    } catch (err) {
      if (err instanceof LogNotFoundError) return undefined;
      throw err;
    }
    return {
      ...core.header,
      term: leader.term,
      leader: core.localAddrBytes,
      prevLogEntry: prev,
      prevLogTerm: prevTerm,
      entries,
      leaderCommitIndex: core.commitIndex,
    };
  }

  /** The follower accepted `req`: record it, and tell commitment when its match index moved. */
  #updateLastAppended(req: AppendEntriesRequest): void {
    const matched = this.#progress.accepted(req.prevLogEntry, req.entries[req.entries.length - 1]?.index, this.#leader.replicaLastIndex);
    if (matched !== undefined) this.#leader.commitment.match(this.peer.id, matched);
  }

  /** Streams our newest snapshot to the peer; false when it could not. */
  async #sendLatestSnapshot(): Promise<boolean> {
    const leader = this.#leader;
    const core = leader.core;
    const metas = await core.snapshots.list();
    const newest = metas[0];
    if (newest === undefined) {
      core.logger.error({ peer: this.peer.id }, 'no snapshots found');
      this.#progress.failed();
      return false;
    }
    const { meta, source } = await core.snapshots.open(newest.id);
    const req: InstallSnapshotRequest = {
      ...core.header,
      snapshotVersion: meta.version,
      term: leader.term,
      leader: core.localAddrBytes,
      lastLogIndex: meta.index,
      lastLogTerm: meta.term,
      peers: meta.peers,
      configuration: encodeConfiguration(meta.configuration),
      configurationIndex: meta.configurationIndex,
      size: meta.size,
    };
    const sentSeq = leader.roundSeq;
    const sentAt = core.clock.now();
    let resp;
    try {
      resp = await core.transport.installSnapshot(this.peer.id, this.peer.address, req, source);
    } catch (err) {
      this.#progress.failed();
      core.logger.error({ err, peer: this.peer.id }, 'failed to install snapshot');
      return false;
    } finally {
      await source.close();
    }
    if (resp.term > req.term) {
      core.runTask(() => core.stepDownForTerm(resp.term));
      return false;
    }
    this.lastContact = core.clock.now();
    if (!resp.success) {
      this.#progress.failed();
      return false;
    }
    const matched = this.#progress.installed(meta.index);
    if (matched !== undefined) leader.commitment.match(this.peer.id, matched);
    leader.acknowledge(this.peer.id, sentSeq, sentAt);
    this.#wakeProgress();
    return true;
  }

  // ---- pipelining -----------------------------------------------------

  /** Sends without waiting for answers while answers keep succeeding; any failure falls back. */
  async #runPipeline(): Promise<void> {
    const leader = this.#leader;
    const core = leader.core;
    let pipeline: AppendPipeline;
    try {
      pipeline = core.transport.appendEntriesPipeline(this.peer.id, this.peer.address);
    } catch (err) {
      if (!(err instanceof PipelineReplicationNotSupportedError)) core.logger.error({ err, peer: this.peer.id }, 'failed to start pipeline replication');
      this.#progress.stopPipelining();
      await this.#replicateTo(leader.replicaLastIndex);
      return;
    }
    let broken = false;
    const fail = (): void => {
      broken = true;
      this.#replicate.set();
    };
    let nextIndex = this.#progress.nextIndex;
    try {
      while (this.#live && !broken) {
        // Send everything new, then wait for more (or the commit timeout, to carry the commit index).
        do {
          const req = await this.#buildAppend(nextIndex, leader.replicaLastIndex);
          if (req === undefined || !this.#live || broken || !this.#maySpeakAsLeader()) {
            if (req === undefined) fail();
            break;
          }
          const sentSeq = leader.roundSeq;
          const sentAt = core.clock.now();
          let future;
          try {
            future = await pipeline.appendEntries(req);
          } catch {
            fail();
            break;
          }
          const last = req.entries[req.entries.length - 1];
          if (last !== undefined) nextIndex = last.index + 1;
          future.response.then(
            (resp) => {
              if (broken || !this.#live) return;
              if (resp.term > req.term) {
                core.runTask(() => core.stepDownForTerm(resp.term));
                fail();
                return;
              }
              this.lastContact = core.clock.now();
              if (!resp.success) {
                fail();
                return;
              }
              try {
                this.#updateLastAppended(req);
              } catch (err) {
                core.stopIfBroken(err);
                fail();
                return;
              }
              leader.acknowledge(this.peer.id, sentSeq, sentAt);
              this.#wakeProgress();
            },
            () => fail(),
          );
        } while (nextIndex <= leader.replicaLastIndex && this.#live && !broken);
        if (!this.#live || broken) break;
        // A trigger with nothing new to send (the leader's write of entries
        // already sent in parallel has returned) sends nothing: an empty
        // AppendEntries would take a pipeline slot and a turn of the
        // follower's queue ahead of the next real one. Only the commit
        // timeout sends one, to carry the commit index.
        while (this.#live && !broken) {
          const triggered = await this.#replicate.wait(this.#after, randomTimeout(core.random, core.config.commitTimeoutMs));
          if (!triggered || nextIndex <= leader.replicaLastIndex) break;
        }
      }
    } finally {
      await pipeline.close();
      this.#progress.stopPipelining();
      this.#wakeProgress();
    }
  }

  // ---- heartbeats -------------------------------------------------------

  async #runHeartbeat(): Promise<void> {
    const leader = this.#leader;
    const core = leader.core;
    let failures = 0;
    while (this.#live) {
      await this.#heartbeat.wait(this.#after, randomTimeout(core.random, core.config.heartbeatTimeoutMs / 10));
      if (!this.#live) break;
      if (!this.#maySpeakAsLeader()) continue;
      const req: AppendEntriesRequest = {
        ...core.header,
        term: leader.term,
        leader: core.localAddrBytes,
        prevLogEntry: 0,
        prevLogTerm: 0,
        entries: [],
        leaderCommitIndex: 0,
      };
      const sentSeq = leader.roundSeq;
      const sentAt = core.clock.now();
      let resp: AppendEntriesResponse;
      try {
        resp = await core.transport.appendEntries(this.peer.id, this.peer.address, req);
      } catch (err) {
        if (!this.#live) break;
        failures++;
        core.logger.error({ err, peer: this.peer.id, addr: this.peer.address }, 'failed to heartbeat to');
        core.observe({ type: 'failedHeartbeat', peerId: this.peer.id, lastContact: this.lastContact });
        await this.#sleep(Math.min(backoff(FAILURE_WAIT_MS, failures, MAX_FAILURE_SCALE), core.config.heartbeatTimeoutMs / 2));
        continue;
      }
      if (!this.#live) break;
      if (failures > 0) core.observe({ type: 'resumedHeartbeat', peerId: this.peer.id });
      failures = 0;
      this.lastContact = core.clock.now();
      if (resp.term > req.term) {
        core.runTask(() => core.stepDownForTerm(resp.term));
        break;
      }
      if (resp.success) leader.acknowledge(this.peer.id, sentSeq, sentAt);
    }
  }
}
