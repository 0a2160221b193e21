/**
 * The follower's side of AppendEntries as a pure plan (Raft paper, Figure 2,
 * AppendEntries receiver, rules 2-5; Go's appendEntries): does our log hold
 * the leader's previous entry, which of the sent entries we already have,
 * where our log conflicts and must be cut, what to append, and how far the
 * commit index may move.
 *
 * The plan needs the terms of some of our entries, which live in the log
 * store. Rather than awaiting them, `planAppend` is a generator that yields
 * each lookup it needs and is resumed with the answer; the caller drives it
 * against the store, a test against a table. It asks in the order the checks
 * need, and no more (the tests drive it with a `runPlan` of their own):
 *  - `{ kind: 'prev', index }`: our term at the leader's previous entry, or
 *    'beyond' when our log ends before it;
 *  - `{ kind: 'entry', index }`: our term at a sent entry our log also has.
 * Either answer is undefined when the store has no such entry (compacted).
 */

/** What the follower knows of its own log when the request arrives. */
export interface FollowerLogView {
  lastLogIndex: number;
  lastSnapshotIndex: number;
}

export interface AppendRequestView {
  prevLogEntry: number;
  prevLogTerm: number;
  /** The sent entries' indexes and terms, ascending and consecutive. */
  entries: readonly { index: number; term: number }[];
}

export type AppendRefusal = 'prev-entry-missing' | 'prev-term-mismatch' | 'entry-unreadable';

export type AppendPlan =
  | { ok: false; reason: AppendRefusal; failedIndex: number }
  | {
      ok: true;
      /** When set, our log is cut from this index on before appending (it conflicts with the leader's). */
      truncateFrom: number | undefined;
      /** Offset into the request's entries of the first one to append (entries.length: nothing to append). */
      appendFrom: number;
    };

/** A lookup the plan needs (see the file comment). */
export type TermQuestion = { kind: 'prev'; index: number } | { kind: 'entry'; index: number };
export type TermAnswer = number | 'beyond' | undefined;

export type AppendPlanner = Generator<TermQuestion, AppendPlan, TermAnswer>;

/** The plan for one AppendEntries (see the file comment for how lookups work). */
export function* planAppend(view: FollowerLogView, req: AppendRequestView): AppendPlanner {
  if (req.prevLogEntry > 0) {
    const local = yield { kind: 'prev', index: req.prevLogEntry };
    if (local === 'beyond' || req.prevLogEntry > view.lastLogIndex) return { ok: false, reason: 'prev-entry-missing', failedIndex: req.prevLogEntry };
    // Entries at or before our snapshot are committed, so they match any legitimate leader's.
    if (local === undefined) {
      if (req.prevLogEntry > view.lastSnapshotIndex) return { ok: false, reason: 'prev-entry-missing', failedIndex: req.prevLogEntry };
    } else if (local !== req.prevLogTerm) return { ok: false, reason: 'prev-term-mismatch', failedIndex: req.prevLogEntry };
  }
  for (let i = 0; i < req.entries.length; i++) {
    const entry = req.entries[i]!;
    // Covered by our snapshot: committed, hence identical.
    if (entry.index <= view.lastSnapshotIndex) continue;
    if (entry.index > view.lastLogIndex) return { ok: true, truncateFrom: undefined, appendFrom: i };
    const stored = yield { kind: 'entry', index: entry.index };
    if (stored === undefined || stored === 'beyond') return { ok: false, reason: 'entry-unreadable', failedIndex: entry.index };
    if (stored !== entry.term) return { ok: true, truncateFrom: entry.index, appendFrom: i };
  }
  return { ok: true, truncateFrom: undefined, appendFrom: req.entries.length };
}

/**
 * The follower's new commit index after a successful AppendEntries: the
 * leader's, but only as far as this request proved our log matches the
 * leader's (Raft's "index of last new entry"; Go uses the last log index,
 * which can include a stale suffix the request did not cover). Never back.
 */
export function followerCommitIndex(view: { commitIndex: number; lastLogIndex: number }, req: { prevLogEntry: number; entryCount: number; leaderCommitIndex: number }): number {
  if (req.leaderCommitIndex <= view.commitIndex) return view.commitIndex;
  const verified = req.prevLogEntry + req.entryCount;
  return Math.max(view.commitIndex, Math.min(req.leaderCommitIndex, verified, view.lastLogIndex));
}

/**
 * Log matching at append time: why `entries` may not follow a log that ends
 * at `lastLogIndex` in a node at `currentTerm` (or undefined when they may).
 * They must start right after it (or anywhere after a snapshot that passed
 * it), be consecutive, have terms that never decrease, and none newer than ours.
 */
export function appendProblem(entries: readonly { index: number; term: number }[], log: FollowerLogView, currentTerm: number): string | undefined {
  const first = entries[0];
  if (first === undefined) return undefined;
  if (first.index !== log.lastLogIndex + 1 && log.lastLogIndex >= log.lastSnapshotIndex) return `appending ${first.index} after ${log.lastLogIndex}: gap or overlap`;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.term > currentTerm) return `entry ${e.index} has term ${e.term}, newer than the current term ${currentTerm}`;
    if (i === 0) continue;
    const prev = entries[i - 1]!;
    if (e.index !== prev.index + 1) return `entries ${prev.index} and ${e.index} are not consecutive`;
    if (e.term < prev.term) return `entry ${e.index} has term ${e.term}, older than entry ${prev.index}'s ${prev.term}`;
  }
  return undefined;
}
