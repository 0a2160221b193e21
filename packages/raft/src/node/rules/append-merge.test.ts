// Follower group commit (append-merge.ts): which AppendEntries merge, and a
// property over logs that keep Raft's Log Matching property: handling the
// merged requests gives the answers, log and commit index that handling
// them one by one does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { utf8 } from '@shoal/kit';
import type { AppendEntriesRequest } from '../../commands.js';
import { makeLog } from '../../log.js';
import { followerCommitIndex, planAppend } from './append.js';
import { continuesAppend, mergeAppends } from './append-merge.js';

const header = { protocolVersion: 3, id: utf8('s1'), addr: utf8('127.0.0.1:1') };

/** The request carrying the leader's entries prev+1..prev+count (`terms[i - 1]` is the leader's term at i). */
function request(terms: readonly number[], prev: number, count: number, commit = 0, term = 9): AppendEntriesRequest {
  return {
    ...header,
    term,
    leader: utf8('127.0.0.1:1'),
    prevLogEntry: prev,
    prevLogTerm: prev === 0 ? 0 : terms[prev - 1]!,
    entries: Array.from({ length: count }, (_, i) => makeLog({ index: prev + 1 + i, term: terms[prev + i]! })),
    leaderCommitIndex: commit,
  };
}

const leaderLog = [1, 1, 2, 2, 2, 3, 3, 3, 3, 3];

describe('continuesAppend', () => {
  test('a request starting right after the last entry of the one before, same leader and term, continues it', () => {
    assert.equal(continuesAppend(request(leaderLog, 2, 3), request(leaderLog, 5, 2)), true);
  });
  test('a commit-only request (no entries) continues the request it follows, and is continued', () => {
    assert.equal(continuesAppend(request(leaderLog, 2, 3), request(leaderLog, 5, 0, 4)), true);
    assert.equal(continuesAppend(request(leaderLog, 5, 0, 4), request(leaderLog, 5, 2)), true);
  });
  test('a gap, an overlap or a different previous term does not', () => {
    assert.equal(continuesAppend(request(leaderLog, 2, 3), request(leaderLog, 6, 2)), false);
    assert.equal(continuesAppend(request(leaderLog, 2, 3), request(leaderLog, 4, 2)), false);
    assert.equal(continuesAppend(request(leaderLog, 2, 3), { ...request(leaderLog, 5, 2), prevLogTerm: 3 }), false);
  });
  test('another term, sender or protocol version does not', () => {
    const first = request(leaderLog, 2, 3);
    assert.equal(continuesAppend(first, request(leaderLog, 5, 2, 0, 10)), false);
    assert.equal(continuesAppend(first, { ...request(leaderLog, 5, 2), leader: utf8('127.0.0.1:2') }), false);
    assert.equal(continuesAppend(first, { ...request(leaderLog, 5, 2), id: utf8('s2') }), false);
    assert.equal(continuesAppend(first, { ...request(leaderLog, 5, 2), protocolVersion: 2 }), false);
  });
  test('a heartbeat (previous entry 0) never continues anything', () => {
    assert.equal(continuesAppend(request(leaderLog, 0, 0), request(leaderLog, 0, 0)), false);
  });
  test('entries that do not start right after their own previous entry are left alone', () => {
    const odd = { ...request(leaderLog, 5, 2), entries: [makeLog({ index: 7, term: 3 })] };
    assert.equal(continuesAppend(request(leaderLog, 2, 3), odd), false);
  });
});

describe('mergeAppends', () => {
  test('runs that continue one another become one request each, in order, and the inputs are not changed', () => {
    const reqs = [request(leaderLog, 0, 2, 1), request(leaderLog, 2, 3, 2), request(leaderLog, 5, 1, 2), request(leaderLog, 3, 2, 4), request(leaderLog, 5, 5, 5)];
    const before = reqs.map((r) => r.entries.length);
    const runs = mergeAppends(reqs);
    assert.deepEqual(
      runs.map((r) => [r.count, r.request.prevLogEntry, r.request.entries.map((e) => e.index), r.request.leaderCommitIndex]),
      [
        [3, 0, [1, 2, 3, 4, 5, 6], 2],
        [2, 3, [4, 5, 6, 7, 8, 9, 10], 5],
      ],
    );
    assert.deepEqual(
      reqs.map((r) => r.entries.length),
      before,
    );
  });
  test('a request alone is passed through as it is', () => {
    const only = request(leaderLog, 2, 3);
    assert.deepEqual(mergeAppends([only]), [{ request: only, count: 1 }]);
    assert.deepEqual(mergeAppends([]), []);
  });
});

/** A follower as far as AppendEntries goes: its terms and commit index, with handleAppendEntries' rules (no snapshot). */
interface Follower {
  terms: number[];
  commit: number;
}

/** handleAppendEntries on the model: the plan, the cut, the append, the commit. Returns success. */
function handle(f: Follower, req: AppendEntriesRequest): boolean {
  const planner = planAppend({ lastLogIndex: f.terms.length, lastSnapshotIndex: 0 }, req);
  let step = planner.next();
  while (step.done !== true) {
    const q = step.value;
    step = planner.next(q.kind === 'prev' && q.index > f.terms.length ? 'beyond' : q.index === 0 ? 0 : f.terms[q.index - 1]);
  }
  const plan = step.value;
  if (!plan.ok) return false;
  if (plan.truncateFrom !== undefined) f.terms.length = plan.truncateFrom - 1;
  for (const e of req.entries.slice(plan.appendFrom)) f.terms.push(e.term);
  f.commit = followerCommitIndex({ commitIndex: f.commit, lastLogIndex: f.terms.length }, { prevLogEntry: req.prevLogEntry, entryCount: req.entries.length, leaderCommitIndex: req.leaderCommitIndex });
  return true;
}

describe('merged AppendEntries leave the follower as one-by-one handling does', () => {
  // A leader log of non-decreasing terms; a follower that shares a prefix of
  // it and then holds entries of earlier leaders; requests cut from the leader's log
  // (mostly consecutive, sometimes repeated, skipped ahead or sent back),
  // with a commit index that grows as a leader's does.
  const scenario = fc
    .record({
      steps: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 30 }),
      shared: fc.nat(),
      tail: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }),
      cuts: fc.array(fc.record({ jump: fc.integer({ min: -3, max: 3 }), count: fc.integer({ min: 0, max: 5 }), straight: fc.boolean() }), { minLength: 1, maxLength: 8 }),
    })
    .map(({ steps, shared, tail, cuts }) => {
      const terms: number[] = [];
      let term = 1;
      for (const s of steps) terms.push((term += s));
      const keep = shared % (terms.length + 1);
      // The follower's own entries come from leaders whose entries this
      // leader's log does not hold (terms it skipped), as Log Matching
      // requires: an entry of the same index and term in both logs would
      // mean the same history up to it.
      const lost: number[] = [];
      for (let t = terms[keep - 1] ?? 1; t < term; t++) if (!terms.includes(t)) lost.push(t);
      const own = lost.length === 0 ? [] : tail.map((t) => lost[t % lost.length]!).sort((a, b) => a - b);
      const follower = [...terms.slice(0, keep), ...own];
      const reqs: AppendEntriesRequest[] = [];
      let next = keep;
      let commit = 0;
      for (const cut of cuts) {
        const prev = Math.max(0, Math.min(terms.length, cut.straight ? next : next + cut.jump));
        const count = Math.min(cut.count, terms.length - prev);
        commit = Math.min(terms.length, Math.max(commit, prev));
        reqs.push(request(terms, prev, count, commit, term));
        next = prev + count;
      }
      return { follower, reqs };
    });

  test('same answers, log and commit index as one-by-one handling', () => {
    fc.assert(
      fc.property(scenario, ({ follower, reqs }) => {
        const oneByOne: Follower = { terms: [...follower], commit: 0 };
        const answers = reqs.map((r) => handle(oneByOne, r));
        const merged: Follower = { terms: [...follower], commit: 0 };
        let at = 0;
        for (const run of mergeAppends(reqs)) {
          const ours = answers.slice(at, at + run.count);
          at += run.count;
          const success = handle(merged, run.request);
          if (success) assert.ok(ours.every(Boolean), 'a merged success stands for a success of every request in the run');
          if (ours.every(Boolean)) assert.ok(success, 'requests that all succeed one by one succeed merged');
          // Log Matching: once one of a run fails, the ones continuing it cannot match either.
          assert.ok(ours.every(Boolean) || ours.every((ok) => !ok), `a run of ${run.count} answered ${ours.join(',')} one by one`);
        }
        assert.deepEqual(merged, oneByOne);
      }),
      { numRuns: 5000 },
    );
  });
});
