/**
 * The receiving side of replication: AppendEntries (log repair and commit),
 * InstallSnapshot and TimeoutNow (Go's appendEntries, installSnapshot,
 * timeoutNow), plus the RpcHandler that routes every RPC onto the main queue
 * except heartbeats of the current leader, which take a fast path so a slow
 * disk does not make followers time out (Go's heartbeat handler).
 */
import { fromUtf8 } from '@shoal/kit';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  TimeoutNowRequest,
  TimeoutNowResponse,
} from '../commands.js';
import { isHeartbeat } from '../commands.js';
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN, SNAPSHOT_VERSION_MAX, SNAPSHOT_VERSION_MIN } from '../config.js';
import { hasVote } from '../configuration.js';
import { decodeConfiguration } from '../configuration-codec.js';
import type { RaftCore } from './core.js';
import { handleRequestPreVote, handleRequestVote } from './election.js';
import { invariant, LogNotFoundError, NotVoterError, RaftShutdownError, SnapshotError, UnsupportedProtocolError } from '../errors.js';
import type { TermAnswer } from './rules/append.js';
import { appendProblem, followerCommitIndex, planAppend } from './rules/append.js';
import { mergeAppends } from './rules/append-merge.js';
import type { RpcHandler } from '../transport/transport.js';

function leaderIdentity(core: RaftCore, req: { id: Uint8Array; addr: Uint8Array; leader: Uint8Array }): { addr: string; id: string } {
  const addrBytes = req.addr.length > 0 ? req.addr : req.leader;
  return { addr: core.transport.decodePeer(addrBytes), id: req.id.length > 0 ? fromUtf8(req.id) : '' };
}

async function termOf(core: RaftCore, index: number): Promise<number | undefined> {
  if (index === 0) return 0;
  if (index === core.lastSnapshotIndex) return core.lastSnapshotTerm;
  if (index === core.lastLogIndex) return core.lastLogTerm;
  try {
    return (await core.logs.getLog(index)).term;
  } catch (err) {
    if (err instanceof LogNotFoundError) return undefined;
    throw err;
  }
}

/** Our term at the leader's previous entry, for the append plan. */
async function termOfPrev(core: RaftCore, index: number): Promise<TermAnswer> {
  if (index > core.lastLogIndex) return 'beyond';
  return await termOf(core, index);
}

/**
 * Runs a write to our log; false (logged and counted) when the store
 * rejected it. A failed write must never be acknowledged: the leader would
 * count entries we may not hold (Go's appendEntries answers failure too).
 */
async function storedOrRefused(core: RaftCore, op: 'storeLogs' | 'deleteRange', write: () => Promise<void>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    core.logger.error({ err, op }, 'failed to write to the log, refusing the append');
    core.metrics.incrCounter('raft.storage.errors', 1, { op, role: 'follower' });
    return false;
  }
}

/** The answer to an append we could not store: failure, with our log's end as we know it. */
function refused(core: RaftCore, resp: AppendEntriesResponse): AppendEntriesResponse {
  resp.success = false;
  resp.lastLog = core.lastLogIndex;
  return resp;
}

/** Moves our commit index up to `commit` (entries we hold that match the leader's) and hands what it covers to the FSM. */
async function followCommit(core: RaftCore, commit: number): Promise<void> {
  if (commit <= core.commitIndex) return;
  core.advanceCommit(commit);
  if (core.configurations.latestIndex <= commit) {
    core.setCommittedConfiguration(core.configurations.latest, core.configurations.latestIndex);
  }
  await core.processLogs(commit);
}

/** AppendEntries, on the main queue. */
export async function handleAppendEntries(core: RaftCore, req: AppendEntriesRequest): Promise<AppendEntriesResponse> {
  const resp: AppendEntriesResponse = { ...core.header, term: core.currentTerm, lastLog: core.lastLogIndex, success: false, noRetryBackoff: false };
  if (req.term < core.currentTerm) return resp;
  if (req.term > core.currentTerm || (core.state !== 'Follower' && !(core.campaign?.transfer ?? false))) {
    await core.stepDownForTerm(req.term);
    core.becomeFollower();
    resp.term = req.term;
  }
  const leader = leaderIdentity(core, req);
  core.setLeader(leader.addr, leader.id);
  // The sender is the leader of our term: that is contact, whatever the log says.
  core.touchContact();

  const planner = planAppend({ lastLogIndex: core.lastLogIndex, lastSnapshotIndex: core.lastSnapshotIndex }, req);
  let step = planner.next();
  while (step.done !== true) step = planner.next(step.value.kind === 'prev' ? await termOfPrev(core, step.value.index) : await termOf(core, step.value.index));
  const plan = step.value;
  if (!plan.ok) {
    if (plan.reason === 'entry-unreadable') core.logger.warn({ index: plan.failedIndex }, 'failed to get log entry');
    else resp.noRetryBackoff = true;
    return resp;
  }

  if (plan.truncateFrom !== undefined) {
    const from = plan.truncateFrom;
    invariant(from > core.commitIndex, () => `leader overwrites committed entry ${from} (commit ${core.commitIndex})`);
    core.logger.warn({ from, to: core.lastLogIndex }, 'clearing log suffix');
    if (!(await storedOrRefused(core, 'deleteRange', () => core.logs.deleteRange(from, core.lastLogIndex)))) return refused(core, resp);
    const prev = await termOf(core, from - 1);
    core.recordTruncation(from - 1, prev ?? 0);
  }
  const fresh = plan.appendFrom < req.entries.length ? req.entries.slice(plan.appendFrom) : [];
  if (fresh.length > 0) {
    const problem = appendProblem(fresh, core, core.currentTerm);
    invariant(problem === undefined, () => `log matching: ${problem}`);
    const stored = storedOrRefused(core, 'storeLogs', () => core.logs.storeLogs(fresh));
    // What the leader has committed of the entries we held before this
    // request (they match its log up to prevLogEntry) is applied while our
    // write runs: the answer then waits for the write alone, not for
    // applying once the write is done. At one client that is every commit.
    const applying = followCommit(core, followerCommitIndex(core, { prevLogEntry: req.prevLogEntry, entryCount: 0, leaderCommitIndex: req.leaderCommitIndex })).then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    const ok = await stored;
    const applyFailure = await applying;
    // Entries that reached the log are recorded whatever became of applying, so our view of the log never lags it.
    if (ok) {
      for (const entry of fresh) core.processConfigurationEntry(entry);
      const last = fresh[fresh.length - 1]!;
      core.recordLastLog(last.index, last.term);
    }
    if (applyFailure !== undefined) throw applyFailure.err;
    if (!ok) return refused(core, resp);
  }

  await followCommit(core, followerCommitIndex(core, { prevLogEntry: req.prevLogEntry, entryCount: req.entries.length, leaderCommitIndex: req.leaderCommitIndex }));
  resp.success = true;
  resp.lastLog = core.lastLogIndex;
  resp.term = core.currentTerm;
  return resp;
}

/** Consumes a stream to its end (a sender must never be left blocked). */
async function drain(data: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _chunk of data) {
    // discard
  }
}

/** InstallSnapshot, on the main queue. Always drains `data` before answering. */
export async function handleInstallSnapshot(core: RaftCore, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse> {
  const resp: InstallSnapshotResponse = { ...core.header, term: core.currentTerm, success: false };
  let consumed = false;
  try {
    if (req.snapshotVersion < SNAPSHOT_VERSION_MIN || req.snapshotVersion > SNAPSHOT_VERSION_MAX) {
      throw new SnapshotError(`unsupported snapshot version ${req.snapshotVersion}`);
    }
    if (req.snapshotVersion < 1) throw new UnsupportedProtocolError();
    if (req.term < core.currentTerm) return resp;
    if (req.term > core.currentTerm) {
      await core.stepDownForTerm(req.term);
      resp.term = req.term;
    }
    if (core.state !== 'Follower') core.becomeFollower();
    const leader = leaderIdentity(core, { id: req.id, addr: req.addr, leader: req.leader });
    core.setLeader(leader.addr, leader.id);
    core.touchContact();

    if (req.lastLogIndex <= core.lastApplied) {
      // We already hold (and applied) everything this snapshot covers.
      resp.success = true;
      return resp;
    }
    const configuration = decodeConfiguration(req.configuration);
    const sink = await core.snapshots.create(req.snapshotVersion, req.lastLogIndex, req.lastLogTerm, configuration, req.configurationIndex, core.transport);
    let received = 0;
    try {
      for await (const chunk of data) {
        received += chunk.length;
        if (received > req.size) break;
        await sink.write(chunk);
      }
      consumed = true;
    } catch (err) {
      await sink.cancel();
      throw err;
    }
    if (received !== req.size) {
      await sink.cancel();
      throw new SnapshotError('short read');
    }
    await sink.close();

    const opened = await core.snapshots.open(sink.id);
    await core.fsmRunner.restore(opened.source, req.lastLogIndex, req.lastLogTerm);

    // Keep our log only if it contains the snapshot's last entry; otherwise it
    // diverges from the leader's and must go entirely.
    const localTerm = req.lastLogIndex <= core.lastLogIndex ? await termOfSafe(core, req.lastLogIndex) : undefined;
    const keepSuffix = localTerm === req.lastLogTerm;
    core.recordSnapshot(req.lastLogIndex, req.lastLogTerm);
    // Without the suffix our log is the snapshot: it ends where the snapshot does.
    if (!keepSuffix) core.recordLastLog(req.lastLogIndex, req.lastLogTerm);
    if (core.commitIndex < req.lastLogIndex) core.advanceCommit(req.lastLogIndex);
    core.recordRestored(req.lastLogIndex);
    if (!keepSuffix || core.configurations.latestIndex <= req.lastLogIndex) core.setLatestConfiguration(configuration, req.configurationIndex);
    core.setCommittedConfiguration(configuration, req.configurationIndex);
    if (keepSuffix) await core.compactLogs(req.lastLogIndex);
    else {
      const first = await core.logs.firstIndex();
      const last = await core.logs.lastIndex();
      if (first > 0 && last >= first) await core.logs.deleteRange(first, last);
    }
    core.logger.info({ index: req.lastLogIndex, term: req.lastLogTerm }, 'installed remote snapshot');
    resp.success = true;
    core.touchContact();
    return resp;
  } finally {
    if (!consumed) await drain(data);
  }
}

async function termOfSafe(core: RaftCore, index: number): Promise<number | undefined> {
  try {
    return await termOf(core, index);
  } catch {
    return undefined;
  }
}

/** TimeoutNow: the leader hands us leadership; campaign at once, without pre-vote. */
export async function handleTimeoutNow(core: RaftCore, _req: TimeoutNowRequest): Promise<TimeoutNowResponse> {
  if (!hasVote(core.configurations.latest, core.localId)) throw new NotVoterError();
  core.logger.info({}, 'received TimeoutNow, starting election');
  core.touchContact();
  await core.becomeCandidate(true);
  return { ...core.header };
}

interface PendingAppend {
  req: AppendEntriesRequest;
  resolve: (resp: AppendEntriesResponse) => void;
  reject: (err: unknown) => void;
}

/**
 * AppendEntries received together, on the main queue: each run of requests
 * that continue one another is handled as one (one log write), and every
 * request of the run gets its answer. Never throws: failures reject the
 * requests they concern.
 */
async function handleAppendBatch(core: RaftCore, batch: readonly PendingAppend[]): Promise<void> {
  let at = 0;
  for (const run of mergeAppends(batch.map((p) => p.req))) {
    const pending = batch.slice(at, at + run.count);
    at += run.count;
    try {
      if (core.isShutdown) throw new RaftShutdownError();
      const resp = await handleAppendEntries(core, run.request);
      for (const p of pending) p.resolve({ ...resp });
    } catch (err) {
      // A broken invariant stops the node; the callers still get the error.
      core.stopIfBroken(err);
      for (const p of pending) p.reject(err);
    }
  }
}

/** The RpcHandler a node installs on its transport. */
export function makeRpcHandler(core: RaftCore): RpcHandler {
  // Go's checkRPCHeader: speak versions own-1 .. max.
  const checkVersion = (v: number): void => {
    if (v < PROTOCOL_VERSION_MIN || v > PROTOCOL_VERSION_MAX || v < core.config.protocolVersion - 1) throw new UnsupportedProtocolError();
  };
  const onMain = <T>(fn: () => Promise<T>, version: number): Promise<T> => {
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    try {
      checkVersion(version);
    } catch (err) {
      return Promise.reject(err);
    }
    return core.serial.run(() => {
      if (core.isShutdown) throw new RaftShutdownError();
      const answer = fn();
      // A broken invariant stops the node; the caller still gets the error.
      answer.catch((err: unknown) => core.stopIfBroken(err));
      return answer;
    });
  };
  // AppendEntries that arrive while the one task gathering them waits for
  // its turn join it (rules/append-merge.ts): a pipelining leader's next
  // requests pile up while we write the last, and go to the log together.
  let gathering: PendingAppend[] | undefined;
  const queueAppend = (req: AppendEntriesRequest): Promise<AppendEntriesResponse> => {
    if (core.isShutdown) return Promise.reject(new RaftShutdownError());
    try {
      checkVersion(req.protocolVersion);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      if (gathering === undefined) {
        const batch: PendingAppend[] = [];
        gathering = batch;
        void core.serial.run(async () => {
          if (gathering === batch) gathering = undefined;
          await handleAppendBatch(core, batch);
        });
      }
      gathering.push({ req, resolve, reject });
    });
  };
  return {
    appendEntries(req) {
      // Heartbeats of the current leader skip the queue, so a task waiting on
      // a slow disk cannot make us time out (see noteLeaderContact).
      if (isHeartbeat(req) && req.term === core.currentTerm && core.state === 'Follower' && req.protocolVersion >= core.config.protocolVersion - 1 && req.protocolVersion <= PROTOCOL_VERSION_MAX) {
        const leader = leaderIdentity(core, req);
        if (core.noteLeaderContact(req.term, leader.addr, leader.id)) {
          return Promise.resolve({ ...core.header, term: core.currentTerm, lastLog: core.lastLogIndex, success: true, noRetryBackoff: false });
        }
      }
      return queueAppend(req);
    },
    requestVote: (req) => onMain(() => handleRequestVote(core, req), req.protocolVersion),
    requestPreVote: (req) => onMain(() => handleRequestPreVote(core, req), req.protocolVersion),
    installSnapshot: (req, data) => {
      if (core.isShutdown) return drain(data).then(() => Promise.reject(new RaftShutdownError()));
      try {
        checkVersion(req.protocolVersion);
      } catch (err) {
        return drain(data).then(() => Promise.reject(err));
      }
      return core.serial.run(() => {
        const answer = handleInstallSnapshot(core, req, data);
        answer.catch((err: unknown) => core.stopIfBroken(err));
        return answer;
      });
    },
    timeoutNow: (req) => onMain(() => handleTimeoutNow(core, req), req.protocolVersion),
  };
}
