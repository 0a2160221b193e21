// The follower's AppendEntries rules as tables (Raft paper, Figure 2,
// AppendEntries receiver rules 2-5, and the Figure 7 followers; Go's
// appendEntries). Rule 1 (a stale term is refused) is the first line of
// handleAppendEntries, before any rule here is asked. Each row is run as its
// own test, so a failure names its row.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AppendPlan, AppendRequestView, FollowerLogView } from './append.js';
import { appendProblem, followerCommitIndex, planAppend } from './append.js';

/**
 * Runs a plan against a log given as a term lookup: `termAt(i)` is
 * our term at index i, or undefined when we do not hold it.
 */
function runPlan(view: FollowerLogView, req: AppendRequestView, termAt: (index: number) => number | undefined): AppendPlan {
  const plan = planAppend(view, req);
  let step = plan.next();
  while (step.done !== true) {
    const q = step.value;
    step = plan.next(q.kind === 'prev' && q.index > view.lastLogIndex ? 'beyond' : termAt(q.index));
  }
  return step.value;
}

/** A follower's log: terms[i - 1] is the term at index i. Entries up to `compactedThrough` are gone from the store (the snapshot's own index still answers with its term), and `holes` are missing too. */
interface FollowerLog {
  terms: number[];
  snapshot?: { index: number; term: number };
  compactedThrough?: number;
  holes?: number[];
}

function viewOf(log: FollowerLog): FollowerLogView {
  return { lastLogIndex: Math.max(log.terms.length, log.snapshot?.index ?? 0), lastSnapshotIndex: log.snapshot?.index ?? 0 };
}

/** Our term at an index, as follower-rpc's termOf answers it. */
function termAt(log: FollowerLog, index: number): number | undefined {
  if (index === 0) return 0;
  if (log.snapshot !== undefined && index === log.snapshot.index) return log.snapshot.term;
  if (index <= (log.compactedThrough ?? 0) || (log.holes ?? []).includes(index)) return undefined;
  return log.terms[index - 1];
}

/** A request whose entries follow prevLogEntry with the given terms. */
function request(prevLogEntry: number, prevLogTerm: number, terms: number[]): AppendRequestView {
  return { prevLogEntry, prevLogTerm, entries: terms.map((term, i) => ({ index: prevLogEntry + 1 + i, term })) };
}

const ok = (truncateFrom: number | undefined, appendFrom: number): AppendPlan => ({ ok: true, truncateFrom, appendFrom });
const fail = (reason: 'prev-entry-missing' | 'prev-term-mismatch' | 'entry-unreadable', failedIndex: number): AppendPlan => ({ ok: false, reason, failedIndex });

interface PlanRow {
  name: string;
  log: FollowerLog;
  req: AppendRequestView;
  expect: AppendPlan;
}

// Figure 7: the leader of term 8 and the followers (a)-(f) it may find.
const fig7Leader = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const fig7 = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};
/** The leader's entries after `prev`, then a new entry of term 8 at index 11. */
const fig7Request = (prev: number): AppendRequestView => request(prev, fig7Leader[prev - 1] ?? 0, [...fig7Leader.slice(prev), 8]);

const planRows: PlanRow[] = [
  // Rule 2: reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm.
  { name: 'rule 2: prevLogIndex 0 matches any log (empty follower)', log: { terms: [] }, req: request(0, 0, [1, 1]), expect: ok(undefined, 0) },
  { name: 'rule 2: prev beyond our last entry', log: { terms: [1, 1, 1] }, req: request(5, 1, [1]), expect: fail('prev-entry-missing', 5) },
  { name: 'rule 2: prev just beyond our last entry', log: { terms: [1, 1, 1] }, req: request(4, 1, []), expect: fail('prev-entry-missing', 4) },
  { name: 'rule 2: prev term differs', log: { terms: [1, 1, 2] }, req: request(3, 3, [3]), expect: fail('prev-term-mismatch', 3) },
  { name: 'rule 2: prev term differs in the middle of our log', log: { terms: [1, 2, 2, 2] }, req: request(2, 1, [1]), expect: fail('prev-term-mismatch', 2) },
  { name: 'rule 2: prev is our last entry and matches', log: { terms: [1, 1, 2] }, req: request(3, 2, [2, 3]), expect: ok(undefined, 0) },
  { name: 'rule 2: prev matches with no entries (a probe)', log: { terms: [1, 1, 2] }, req: request(2, 1, []), expect: ok(undefined, 0) },
  { name: 'rule 2: prev is a hole in our store after the snapshot', log: { terms: [1, 1, 1, 1], holes: [3] }, req: request(3, 1, [1]), expect: fail('prev-entry-missing', 3) },
  { name: 'rule 2: prev at our snapshot index is compared with the snapshot term', log: { terms: [1, 1, 1, 2, 2, 2], snapshot: { index: 4, term: 2 }, compactedThrough: 4 }, req: request(4, 3, [3]), expect: fail('prev-term-mismatch', 4) },
  { name: 'rule 2: prev at our snapshot index with the snapshot term matches', log: { terms: [], snapshot: { index: 4, term: 2 }, compactedThrough: 4 }, req: request(4, 2, [2]), expect: ok(undefined, 0) },
  // Deliberate difference (append.ts): Go fails when prev is compacted; committed entries match any legitimate leader.
  { name: 'rule 2 (shoal): prev inside our snapshot is committed, so it matches', log: { terms: [1, 1, 1, 2, 2, 2], snapshot: { index: 4, term: 2 }, compactedThrough: 4 }, req: request(2, 1, [1, 2, 2, 2, 2]), expect: ok(undefined, 4) },
  // Rule 3: an existing entry conflicting with a new one (same index, different term) is deleted with all that follow.
  { name: 'rule 3: conflict at the first sent entry', log: { terms: [1, 1, 1, 1] }, req: request(2, 1, [2, 2]), expect: ok(3, 0) },
  { name: 'rule 3: conflict after entries we already hold', log: { terms: [1, 1, 1, 1] }, req: request(1, 1, [1, 1, 2]), expect: ok(4, 2) },
  { name: 'rule 3: conflict at our last entry, more sent beyond it', log: { terms: [1, 1, 1] }, req: request(1, 1, [1, 2, 2, 2]), expect: ok(3, 1) },
  { name: 'rule 3: only the first conflict counts', log: { terms: [1, 1, 1, 1, 1] }, req: request(0, 0, [1, 2, 2, 2]), expect: ok(2, 1) },
  // Rule 4: append any new entries not already in the log.
  { name: 'rule 4: every sent entry already held (a retry): nothing cut, nothing appended', log: { terms: [1, 1, 1] }, req: request(0, 0, [1, 1, 1]), expect: ok(undefined, 3) },
  { name: 'rule 4: an older, shorter request matching a longer log does not cut it', log: { terms: [1, 1, 2, 2, 2] }, req: request(1, 1, [1, 2]), expect: ok(undefined, 2) },
  { name: 'rule 4: entries already held, the rest appended', log: { terms: [1, 1, 1] }, req: request(1, 1, [1, 1, 2, 2]), expect: ok(undefined, 2) },
  { name: 'rule 4: nothing sent, nothing to do (heartbeat shape)', log: { terms: [1, 1] }, req: request(0, 0, []), expect: ok(undefined, 0) },
  { name: 'rule 4: entries covered by our snapshot are skipped, held ones compared, new ones appended', log: { terms: [1, 1, 1, 1, 1, 2, 2], snapshot: { index: 5, term: 1 }, compactedThrough: 5 }, req: request(3, 1, [1, 1, 2, 2, 3]), expect: ok(undefined, 4) },
  { name: 'rule 4: entries covered by our snapshot are skipped even if their sent term looks different', log: { terms: [], snapshot: { index: 5, term: 3 }, compactedThrough: 5 }, req: request(3, 1, [1, 3, 3]), expect: ok(undefined, 2) },
  { name: 'rule 4: a held entry the store cannot read stops the plan (Go: failed to get log entry)', log: { terms: [1, 1, 1, 1], holes: [3] }, req: request(1, 1, [1, 1, 1]), expect: fail('entry-unreadable', 3) },
  // Figure 7: the leader of term 8 sends its first AppendEntries (prev 10) with a new entry at 11, then backs up.
  { name: 'figure 7 (a): missing entry 10', log: { terms: fig7.a }, req: fig7Request(10), expect: fail('prev-entry-missing', 10) },
  { name: 'figure 7 (a): at prev 9 the last entry is appended', log: { terms: fig7.a }, req: fig7Request(9), expect: ok(undefined, 0) },
  { name: 'figure 7 (b): missing entry 10', log: { terms: fig7.b }, req: fig7Request(10), expect: fail('prev-entry-missing', 10) },
  { name: 'figure 7 (b): at prev 4 entries 5-11 are appended', log: { terms: fig7.b }, req: fig7Request(4), expect: ok(undefined, 0) },
  { name: 'figure 7 (c): extra entry 11 of term 6 is replaced', log: { terms: fig7.c }, req: fig7Request(10), expect: ok(11, 0) },
  { name: 'figure 7 (d): extra entries 11-12 of term 7 are cut at 11', log: { terms: fig7.d }, req: fig7Request(10), expect: ok(11, 0) },
  { name: 'figure 7 (e): missing entry 10', log: { terms: fig7.e }, req: fig7Request(10), expect: fail('prev-entry-missing', 10) },
  { name: 'figure 7 (e): at prev 6 the term differs (4, not 5)', log: { terms: fig7.e }, req: fig7Request(6), expect: fail('prev-term-mismatch', 6) },
  { name: 'figure 7 (e): at prev 5 entries 6-7 of term 4 are cut', log: { terms: fig7.e }, req: fig7Request(5), expect: ok(6, 0) },
  { name: 'figure 7 (f): term 3 at 10 differs from 6', log: { terms: fig7.f }, req: fig7Request(10), expect: fail('prev-term-mismatch', 10) },
  { name: 'figure 7 (f): at prev 3 everything from 4 is cut', log: { terms: fig7.f }, req: fig7Request(3), expect: ok(4, 0) },
];

describe('planAppend (AppendEntries receiver rules 2-4)', () => {
  for (const row of planRows) {
    test(row.name, () => {
      assert.deepEqual(runPlan(viewOf(row.log), row.req, (i) => termAt(row.log, i)), row.expect);
    });
  }

  test('asks only what it needs, in order: the prev entry, then held entries up to the first conflict', () => {
    const log: FollowerLog = { terms: [1, 1, 1, 1, 1, 1] };
    const planner = planAppend(viewOf(log), request(2, 1, [1, 1, 2, 2, 2, 2]));
    const asked: string[] = [];
    let step = planner.next();
    while (step.done !== true) {
      asked.push(`${step.value.kind}:${step.value.index}`);
      step = planner.next(termAt(log, step.value.index));
    }
    assert.deepEqual(asked, ['prev:2', 'entry:3', 'entry:4', 'entry:5']);
    assert.deepEqual(step.value, ok(5, 2));
  });

  test("a 'beyond' answer for the prev entry means missing", () => {
    const planner = planAppend({ lastLogIndex: 9, lastSnapshotIndex: 0 }, request(5, 1, []));
    assert.deepEqual(planner.next().value, { kind: 'prev', index: 5 });
    assert.deepEqual(planner.next('beyond'), { done: true, value: fail('prev-entry-missing', 5) });
  });
});

interface CommitRow {
  name: string;
  view: { commitIndex: number; lastLogIndex: number };
  req: { prevLogEntry: number; entryCount: number; leaderCommitIndex: number };
  expect: number;
}

const commitRows: CommitRow[] = [
  // Rule 5: if leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry).
  { name: 'rule 5: limited by the leader commit index', view: { commitIndex: 0, lastLogIndex: 10 }, req: { prevLogEntry: 3, entryCount: 7, leaderCommitIndex: 4 }, expect: 4 },
  { name: 'rule 5: limited by the last entry this request covered', view: { commitIndex: 0, lastLogIndex: 10 }, req: { prevLogEntry: 3, entryCount: 2, leaderCommitIndex: 8 }, expect: 5 },
  { name: 'rule 5: a probe without entries proves the log up to prev', view: { commitIndex: 2, lastLogIndex: 7 }, req: { prevLogEntry: 7, entryCount: 0, leaderCommitIndex: 9 }, expect: 7 },
  { name: 'rule 5 (shoal; Go uses our last index): a stale suffix the request did not cover is not committed', view: { commitIndex: 2, lastLogIndex: 10 }, req: { prevLogEntry: 5, entryCount: 0, leaderCommitIndex: 9 }, expect: 5 },
  { name: 'rule 5: unchanged when the leader commit index is not ahead', view: { commitIndex: 6, lastLogIndex: 10 }, req: { prevLogEntry: 9, entryCount: 1, leaderCommitIndex: 6 }, expect: 6 },
  { name: 'rule 5: never back (leader commit index behind ours)', view: { commitIndex: 6, lastLogIndex: 10 }, req: { prevLogEntry: 9, entryCount: 1, leaderCommitIndex: 3 }, expect: 6 },
  { name: 'rule 5: never back (request covers less than our commit index)', view: { commitIndex: 6, lastLogIndex: 10 }, req: { prevLogEntry: 2, entryCount: 2, leaderCommitIndex: 8 }, expect: 6 },
  { name: 'rule 5: heartbeats (prev 0, no entries, commit 0) change nothing', view: { commitIndex: 4, lastLogIndex: 10 }, req: { prevLogEntry: 0, entryCount: 0, leaderCommitIndex: 0 }, expect: 4 },
  { name: 'rule 5: never beyond our last entry', view: { commitIndex: 0, lastLogIndex: 4 }, req: { prevLogEntry: 3, entryCount: 3, leaderCommitIndex: 9 }, expect: 4 },
  { name: 'rule 5: everything covered and committed', view: { commitIndex: 0, lastLogIndex: 6 }, req: { prevLogEntry: 0, entryCount: 6, leaderCommitIndex: 6 }, expect: 6 },
];

describe('followerCommitIndex (AppendEntries receiver rule 5)', () => {
  for (const row of commitRows) {
    test(row.name, () => assert.equal(followerCommitIndex(row.view, row.req), row.expect));
  }
});

interface ProblemRow {
  name: string;
  entries: [number, number][];
  log: FollowerLogView;
  currentTerm: number;
  expect: RegExp | undefined;
}

const problemRows: ProblemRow[] = [
  { name: 'nothing to append is fine', entries: [], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: undefined },
  { name: 'entries right after our last one are fine', entries: [[6, 2], [7, 3]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: undefined },
  { name: 'a gap after our last entry', entries: [[7, 2]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: /appending 7 after 5: gap or overlap/ },
  { name: 'an overlap with our last entry', entries: [[5, 2]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: /appending 5 after 5: gap or overlap/ },
  { name: 'anywhere after a snapshot that passed our log', entries: [[12, 2]], log: { lastLogIndex: 5, lastSnapshotIndex: 9 }, currentTerm: 3, expect: undefined },
  { name: 'a term newer than ours', entries: [[6, 4]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: /entry 6 has term 4, newer than the current term 3/ },
  { name: 'entries not consecutive', entries: [[6, 2], [8, 2]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: /entries 6 and 8 are not consecutive/ },
  { name: 'terms going down', entries: [[6, 3], [7, 2]], log: { lastLogIndex: 5, lastSnapshotIndex: 0 }, currentTerm: 3, expect: /entry 7 has term 2, older than entry 6's 3/ },
];

describe('appendProblem (log matching at append time)', () => {
  for (const row of problemRows) {
    test(row.name, () => {
      const problem = appendProblem(row.entries.map(([index, term]) => ({ index, term })), row.log, row.currentTerm);
      if (row.expect === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? '', row.expect);
    });
  }
});

/**
 * A leader log and a follower log that obey Log Matching: they share a
 * prefix of `common` entries, then differ at every index (the leader's terms
 * are even, the follower's odd). The follower's commit index is within the
 * common prefix (Leader Completeness), and so is its snapshot.
 */
const consistentLogs = fc
  .record({
    leaderSteps: fc.array(fc.nat(1), { minLength: 0, maxLength: 14 }),
    followerSteps: fc.array(fc.nat(1), { maxLength: 8 }),
    common: fc.nat(14),
    commitFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    snapFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    compact: fc.boolean(),
    prevFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    count: fc.nat(6),
  })
  .map((r) => {
    // Non-decreasing even terms for the leader, starting at 2.
    const leader: number[] = [];
    let t = 2;
    for (const s of r.leaderSteps) leader.push((t += 2 * s));
    const common = Math.min(r.common, leader.length);
    const follower = leader.slice(0, common);
    let ft = (follower[common - 1] ?? 1) + 1;
    if (ft % 2 === 0) ft++;
    for (const s of r.followerSteps) follower.push((ft += 2 * s));
    const commitIndex = Math.floor(r.commitFrac * common);
    const snapIndex = Math.floor(r.snapFrac * commitIndex);
    const log: FollowerLog = { terms: follower };
    if (snapIndex > 0) {
      log.snapshot = { index: snapIndex, term: follower[snapIndex - 1]! };
      if (r.compact) log.compactedThrough = snapIndex;
    }
    const prev = Math.min(Math.floor(r.prevFrac * (leader.length + 1)), leader.length);
    const req = request(prev, leader[prev - 1] ?? 0, leader.slice(prev, prev + r.count));
    return { leader, follower, common, commitIndex, log, req };
  });

/** The follower's log after carrying out an accepted plan. */
function applyPlan(follower: number[], req: AppendRequestView, plan: AppendPlan & { ok: true }): number[] {
  const out = plan.truncateFrom === undefined ? [...follower] : follower.slice(0, plan.truncateFrom - 1);
  for (const e of req.entries.slice(plan.appendFrom)) {
    assert.equal(e.index, out.length + 1, 'appended entries follow the log');
    out.push(e.term);
  }
  return out;
}

describe('append properties', () => {
  test('with consistent logs: a refusal means the prev entry really differs; an acceptance never cuts committed entries and leaves the log matching the leader through the request', () => {
    fc.assert(
      fc.property(consistentLogs, ({ leader, follower, common, commitIndex, log, req }) => {
        const plan = runPlan(viewOf(log), req, (i) => termAt(log, i));
        if (!plan.ok) {
          assert.notEqual(plan.reason, 'entry-unreadable');
          assert.equal(plan.failedIndex, req.prevLogEntry);
          assert.ok(req.prevLogEntry > common, 'refused a prev entry the logs share');
          return;
        }
        assert.ok(req.prevLogEntry <= common, 'accepted a prev entry the logs do not share');
        if (plan.truncateFrom !== undefined) {
          assert.ok(plan.truncateFrom > commitIndex, `cut committed entry ${plan.truncateFrom} (commit ${commitIndex})`);
          assert.ok(plan.truncateFrom > common, 'cut an entry the logs share');
          assert.ok(plan.truncateFrom <= follower.length, 'cut beyond the log');
        }
        const after = applyPlan(follower, req, plan);
        const through = req.prevLogEntry + req.entries.length;
        assert.deepEqual(after.slice(0, through), leader.slice(0, through));
        const commit = followerCommitIndex({ commitIndex, lastLogIndex: after.length }, { prevLogEntry: req.prevLogEntry, entryCount: req.entries.length, leaderCommitIndex: leader.length });
        assert.ok(commit >= commitIndex && commit <= Math.max(commitIndex, through));
        assert.deepEqual(after.slice(0, commit), leader.slice(0, commit), 'committed an entry that differs from the leader');
        // A retry of the same request (or a duplicate) changes nothing.
        const again = runPlan({ lastLogIndex: after.length, lastSnapshotIndex: viewOf(log).lastSnapshotIndex }, req, (i) => termAt({ ...log, terms: after }, i));
        assert.deepEqual(again, ok(undefined, req.entries.length));
      }),
    );
  });
});
