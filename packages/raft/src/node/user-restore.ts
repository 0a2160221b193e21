/**
 * A user-requested restore (Go's restoreUserSnapshot): the leader replaces
 * its state with an external snapshot, written at an index past its log so
 * that a hole in the log makes every follower fault and install it. Runs on
 * the main queue. Disaster recovery only.
 */
import { SNAPSHOT_VERSION_MAX, SNAPSHOT_VERSION_MIN } from '../config.js';
import type { RaftCore } from './core.js';
import { LeadershipTransferInProgressError, NotLeaderError, RaftError, SnapshotError } from '../errors.js';
import type { SnapshotMeta, SnapshotSource } from '../storage/snapshot.js';
import { copyTo } from '../storage/snapshot.js';

export async function restoreUserSnapshot(core: RaftCore, meta: SnapshotMeta, source: SnapshotSource): Promise<void> {
  const leader = core.leader;
  if (leader === undefined || !leader.live) throw new NotLeaderError(core.leaderAddr, core.leaderId);
  if (leader.transfer !== undefined) throw new LeadershipTransferInProgressError();
  if (meta.version < SNAPSHOT_VERSION_MIN || meta.version > SNAPSHOT_VERSION_MAX) throw new SnapshotError(`unsupported snapshot version ${meta.version}`);
  const c = core.configurations;
  if (c.committedIndex !== c.latestIndex) {
    throw new RaftError('ERR_CONFIGURATION_CHANGING', `cannot restore snapshot now, wait until the configuration entry at ${c.latestIndex} has been applied (have applied ${c.committedIndex})`);
  }
  leader.abortInflightForRestore();
  const term = core.currentTerm;
  const index = Math.max(core.lastLogIndex, meta.index) + 1;
  // The current configuration, not the snapshot's: restore into this cluster.
  const sink = await core.snapshots.create(meta.version, index, term, c.latest, c.latestIndex, core.transport);
  let n: number;
  try {
    n = await copyTo(sink, source);
  } catch (err) {
    await sink.cancel();
    throw new SnapshotError(`failed to write snapshot: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (n !== meta.size) {
    await sink.cancel();
    throw new SnapshotError(`failed to write snapshot, size didn't match (${n} != ${meta.size})`);
  }
  await sink.close();
  const opened = await core.snapshots.open(sink.id);
  await core.fsmRunner.restore(opened.source, index, term);
  core.recordLastLog(index, term);
  core.advanceCommit(Math.max(core.commitIndex, index));
  core.recordRestored(index);
  core.recordSnapshot(index, term);
  // A store that cannot hold gaps loses its whole log instead.
  if (core.logs.isMonotonic?.() === true) {
    const first = await core.logs.firstIndex();
    const last = await core.logs.lastIndex();
    if (first > 0 && last >= first) await core.logs.deleteRange(first, last);
  }
}
