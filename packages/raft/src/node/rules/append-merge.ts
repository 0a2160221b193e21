/**
 * Group commit on a follower: AppendEntries that wait together in its queue
 * (a pipelining leader sends the next while the follower writes the last)
 * are handled as one request, so their entries reach the log in one write
 * and one sync. Only requests that continue one another merge: same sender
 * and term, and each one's previous entry is exactly the last entry (index
 * and term) of the one before. By Log Matching, the requests of such a run
 * all succeed or all fail when handled one after the other (each one's
 * previous entry is the one before's last), and handling the merged request
 * gives that answer, log and commit index. The one difference is a held
 * entry the store cannot read: then the whole run is refused, which a
 * leader takes as it takes the first failure of a pipeline (it falls back
 * and retries from what we hold).
 */
import { bytesEqual } from '@shoal/kit';
import type { AppendEntriesRequest } from '../../commands.js';

/** A run of consecutive requests as one: answer each of the `count` with the answer to `request`. */
export interface MergedAppend {
  request: AppendEntriesRequest;
  count: number;
}

function lastIndexOf(req: AppendEntriesRequest): number {
  return req.entries.length > 0 ? req.entries[req.entries.length - 1]!.index : req.prevLogEntry;
}

function lastTermOf(req: AppendEntriesRequest): number {
  return req.entries.length > 0 ? req.entries[req.entries.length - 1]!.term : req.prevLogTerm;
}

/** Whether `next` picks up exactly where `prev` ends, from the same leader in the same term. */
export function continuesAppend(prev: AppendEntriesRequest, next: AppendEntriesRequest): boolean {
  if (next.term !== prev.term || next.protocolVersion !== prev.protocolVersion) return false;
  if (!bytesEqual(next.leader, prev.leader) || !bytesEqual(next.id, prev.id) || !bytesEqual(next.addr, prev.addr)) return false;
  if (next.prevLogEntry === 0 || next.prevLogEntry !== lastIndexOf(prev) || next.prevLogTerm !== lastTermOf(prev)) return false;
  // Entries that do not start right after their own previous entry are the handler's to refuse, alone.
  return next.entries.length === 0 || next.entries[0]!.index === next.prevLogEntry + 1;
}

/** Splits `requests` (in arrival order) into runs that continue one another, each merged into one request. */
export function mergeAppends(requests: readonly AppendEntriesRequest[]): MergedAppend[] {
  const runs: MergedAppend[] = [];
  let last: AppendEntriesRequest | undefined;
  for (const req of requests) {
    const run = runs[runs.length - 1];
    if (run !== undefined && last !== undefined && continuesAppend(last, req)) {
      const merged = run.count === 1 ? { ...run.request, entries: [...run.request.entries] } : run.request;
      for (const entry of req.entries) merged.entries.push(entry);
      merged.leaderCommitIndex = Math.max(merged.leaderCommitIndex, req.leaderCommitIndex);
      run.request = merged;
      run.count++;
    } else {
      runs.push({ request: req, count: 1 });
    }
    last = req;
  }
  return runs;
}
