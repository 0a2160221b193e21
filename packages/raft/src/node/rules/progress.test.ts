// The leader's per-follower bookkeeping as tables (Raft paper, Figure 2,
// "Rules for Servers: Leaders": nextIndex starts after the leader's last
// entry, success updates nextIndex and matchIndex, failure decrements
// nextIndex and retries; Go's replicateTo: the LastLog hint, NoRetryBackoff,
// the failure back-off, pipelining after a success, sendLatestSnapshot).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RaftInvariantError } from '../../errors.js';
import { FollowerProgress } from './progress.js';

type Step =
  | { accepted: [prevLogEntry: number, lastSent: number | undefined, leaderLastIndex: number]; returns?: number | undefined }
  | { rejected: [followerLastLog: number, noRetryBackoff: boolean] }
  | { failed: number }
  | { installed: number; returns?: number | undefined }
  | { stopPipelining: true };

interface ProgressRow {
  name: string;
  nextIndex: number;
  steps: Step[];
  expect: { nextIndex: number; matchIndex: number; failures: number; pipelining: boolean; backoffMs: number };
}

function run(p: FollowerProgress, step: Step): void {
  if ('accepted' in step) {
    const got = p.accepted(...step.accepted);
    if ('returns' in step) assert.equal(got, step.returns, `accepted(${step.accepted.join(', ')}) returns`);
  } else if ('rejected' in step) p.rejected(...step.rejected);
  else if ('failed' in step) for (let i = 0; i < step.failed; i++) p.failed();
  else if ('installed' in step) {
    const got = p.installed(step.installed);
    if ('returns' in step) assert.equal(got, step.returns, `installed(${step.installed}) returns`);
  } else p.stopPipelining();
}

const fresh = { failures: 0, pipelining: false, backoffMs: 0 };

const rows: ProgressRow[] = [
  { name: 'a new follower: next is after our last entry, nothing matched', nextIndex: 11, steps: [], expect: { nextIndex: 11, matchIndex: 0, ...fresh } },
  // Success: nextIndex and matchIndex follow the last entry sent.
  { name: 'success with entries: next = last sent + 1, match = last sent', nextIndex: 11, steps: [{ accepted: [10, 12, 12], returns: 12 }], expect: { nextIndex: 13, matchIndex: 12, failures: 0, pipelining: true, backoffMs: 0 } },
  { name: 'success without entries: prev matches; next stays', nextIndex: 11, steps: [{ accepted: [10, undefined, 10], returns: 10 }], expect: { nextIndex: 11, matchIndex: 10, failures: 0, pipelining: true, backoffMs: 0 } },
  { name: 'the same success again: match does not move, nothing returned', nextIndex: 11, steps: [{ accepted: [10, 12, 12], returns: 12 }, { accepted: [10, 12, 12], returns: undefined }], expect: { nextIndex: 13, matchIndex: 12, failures: 0, pipelining: true, backoffMs: 0 } },
  {
    name: 'an older success answered late (pipelining): neither index goes back',
    nextIndex: 5,
    steps: [{ accepted: [4, 9, 9], returns: 9 }, { accepted: [2, 6, 9], returns: undefined }],
    expect: { nextIndex: 10, matchIndex: 9, failures: 0, pipelining: true, backoffMs: 0 },
  },
  // Failure: back up and retry.
  { name: 'refused: next is decremented (Figure 2)', nextIndex: 11, steps: [{ rejected: [20, true] }], expect: { nextIndex: 10, matchIndex: 0, ...fresh } },
  { name: "refused: Go's LastLog hint jumps to just after the follower's last entry", nextIndex: 11, steps: [{ rejected: [4, true] }], expect: { nextIndex: 5, matchIndex: 0, ...fresh } },
  { name: 'refused by an empty follower: next is 1', nextIndex: 11, steps: [{ rejected: [0, true] }], expect: { nextIndex: 1, matchIndex: 0, ...fresh } },
  { name: 'refused at next 1: next stays 1', nextIndex: 1, steps: [{ rejected: [0, true] }], expect: { nextIndex: 1, matchIndex: 0, ...fresh } },
  { name: 'refused with NoRetryBackoff: no failure counted', nextIndex: 11, steps: [{ failed: 2 }, { rejected: [20, true] }], expect: { nextIndex: 10, matchIndex: 0, ...fresh } },
  { name: 'refused right after the match (the follower could not store the entries): next stays after the match, a failure counted', nextIndex: 11, steps: [{ accepted: [10, undefined, 10] }, { rejected: [10, false] }], expect: { nextIndex: 11, matchIndex: 10, failures: 1, pipelining: true, backoffMs: 10 } },
  { name: 'refused further on by a follower holding its match: next steps back, never past the match', nextIndex: 15, steps: [{ accepted: [10, undefined, 14] }, { rejected: [12, false] }, { rejected: [12, false] }, { rejected: [12, false] }], expect: { nextIndex: 11, matchIndex: 10, failures: 3, pipelining: true, backoffMs: 20 } },
  { name: 'refused without NoRetryBackoff: a failure counted', nextIndex: 11, steps: [{ rejected: [20, false] }], expect: { nextIndex: 10, matchIndex: 0, failures: 1, pipelining: false, backoffMs: 10 } },
  {
    name: 'figure 7 (e): the leader backs up with the hint, then the follower accepts the rest',
    nextIndex: 11,
    steps: [{ rejected: [7, true] }, { rejected: [7, true] }, { rejected: [7, true] }, { accepted: [5, 10, 10], returns: 10 }],
    expect: { nextIndex: 11, matchIndex: 10, failures: 0, pipelining: true, backoffMs: 0 },
  },
  // Back-off (Go's backoff(failureWait=10ms, failures, maxFailureScale=12)).
  { name: 'back-off after 1 failure: 10ms', nextIndex: 3, steps: [{ failed: 1 }], expect: { nextIndex: 3, matchIndex: 0, failures: 1, pipelining: false, backoffMs: 10 } },
  { name: 'back-off after 2 failures: 10ms', nextIndex: 3, steps: [{ failed: 2 }], expect: { nextIndex: 3, matchIndex: 0, failures: 2, pipelining: false, backoffMs: 10 } },
  { name: 'back-off after 3 failures: 20ms', nextIndex: 3, steps: [{ failed: 3 }], expect: { nextIndex: 3, matchIndex: 0, failures: 3, pipelining: false, backoffMs: 20 } },
  { name: 'back-off after 5 failures: 80ms', nextIndex: 3, steps: [{ failed: 5 }], expect: { nextIndex: 3, matchIndex: 0, failures: 5, pipelining: false, backoffMs: 80 } },
  { name: 'back-off after 12 failures: 10240ms (the cap)', nextIndex: 3, steps: [{ failed: 12 }], expect: { nextIndex: 3, matchIndex: 0, failures: 12, pipelining: false, backoffMs: 10_240 } },
  { name: 'back-off after 40 failures: still capped', nextIndex: 3, steps: [{ failed: 40 }], expect: { nextIndex: 3, matchIndex: 0, failures: 40, pipelining: false, backoffMs: 10_240 } },
  { name: 'a success clears the back-off and allows pipelining', nextIndex: 3, steps: [{ failed: 4 }, { accepted: [2, 3, 3], returns: 3 }], expect: { nextIndex: 4, matchIndex: 3, failures: 0, pipelining: true, backoffMs: 0 } },
  // Pipelining.
  { name: 'a failure does not stop pipelining by itself (the replicator does)', nextIndex: 3, steps: [{ accepted: [2, 3, 3] }, { failed: 1 }], expect: { nextIndex: 4, matchIndex: 3, failures: 1, pipelining: true, backoffMs: 10 } },
  { name: 'stopPipelining sends and waits again', nextIndex: 3, steps: [{ accepted: [2, 3, 3] }, { stopPipelining: true }], expect: { nextIndex: 4, matchIndex: 3, failures: 0, pipelining: false, backoffMs: 0 } },
  // Snapshots (Go's sendLatestSnapshot: nextIndex = index + 1, matchIndex = index).
  { name: 'installed snapshot: next after it, match at it, failures cleared', nextIndex: 2, steps: [{ failed: 3 }, { installed: 50, returns: 50 }], expect: { nextIndex: 51, matchIndex: 50, failures: 0, pipelining: false, backoffMs: 0 } },
  { name: 'installed snapshot older than the match index: nothing goes back', nextIndex: 2, steps: [{ accepted: [1, 60, 60] }, { installed: 50, returns: undefined }], expect: { nextIndex: 61, matchIndex: 60, failures: 0, pipelining: true, backoffMs: 0 } },
];

describe('FollowerProgress (leader rules for nextIndex and matchIndex)', () => {
  for (const row of rows) {
    test(row.name, () => {
      const p = new FollowerProgress(row.nextIndex);
      for (const step of row.steps) run(p, step);
      assert.deepEqual({ nextIndex: p.nextIndex, matchIndex: p.matchIndex, failures: p.failures, pipelining: p.pipelining, backoffMs: p.backoffMs }, row.expect);
    });
  }
});

const brokenRows: { name: string; nextIndex: number; steps: Step[]; message: RegExp }[] = [
  { name: 'next index 0 is refused at construction', nextIndex: 0, steps: [], message: /next index must be at least 1, not 0/ },
  { name: 'a success beyond our last entry is an invariant breach', nextIndex: 5, steps: [{ accepted: [4, 9, 8] }], message: /matched 9, beyond our last index 8/ },
  { name: 'a refusal below the match index (the follower lost entries it acknowledged) is an invariant breach', nextIndex: 11, steps: [{ accepted: [10, undefined, 10] }, { rejected: [3, true] }], message: /match index 10 must be below next index 4/ },
];

describe('FollowerProgress invariants', () => {
  for (const row of brokenRows) {
    test(row.name, () => {
      assert.throws(
        () => {
          const p = new FollowerProgress(row.nextIndex);
          for (const step of row.steps) run(p, step);
        },
        (err: unknown) => err instanceof RaftInvariantError && row.message.test(err.message),
      );
    });
  }
});

/**
 * A leader and one follower exchanging requests as the replicator does:
 * entries are ids, the follower's own (divergent) ones differ from every
 * leader id, and the follower answers by Figure 2's receiver rules.
 */
type Op = { kind: 'send'; batch: number } | { kind: 'lost' } | { kind: 'append'; n: number } | { kind: 'snapshot' } | { kind: 'stop' } | { kind: 'late' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }).map((batch): Op => ({ kind: 'send', batch })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'lost' }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map((n): Op => ({ kind: 'append', n })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'snapshot' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'stop' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'late' }) },
);

describe('FollowerProgress properties', () => {
  test('over random accepted/rejected/failed/installed sequences: matchIndex < nextIndex, matchIndex never back and never beyond what the follower holds, and sends reach the leader log', () => {
    fc.assert(
      fc.property(fc.nat(6), fc.nat(6), fc.nat(6), fc.array(op, { maxLength: 60 }), (shared, leaderExtra, followerExtra, ops) => {
        const leader = Array.from({ length: shared + leaderExtra }, (_, i) => `L${i + 1}`);
        const follower = [...leader.slice(0, shared), ...Array.from({ length: followerExtra }, (_, i) => `F${shared + i + 1}`)];
        /** Entries both logs hold alike, from the start. */
        const holdsThrough = (): number => {
          let i = 0;
          while (i < follower.length && follower[i] === leader[i]) i++;
          return i;
        };
        const p = new FollowerProgress(leader.length + 1);
        let lastMatch = 0;
        const accepted: [number, number | undefined][] = [];
        const send = (batch: number): void => {
          const prev = p.nextIndex - 1;
          const last = Math.min(prev + batch, leader.length);
          if (prev > 0 && follower[prev - 1] !== leader[prev - 1]) {
            p.rejected(follower.length, true);
            return;
          }
          for (let i = prev + 1; i <= last; i++) {
            if (follower[i - 1] !== leader[i - 1]) follower.length = i - 1;
            if (follower.length === i - 1) follower.push(leader[i - 1]!);
          }
          const lastSent = last > prev ? last : undefined;
          accepted.push([prev, lastSent]);
          p.accepted(prev, lastSent, leader.length);
        };
        const check = (): void => {
          assert.ok(p.nextIndex >= 1 && p.nextIndex <= leader.length + 1, `next ${p.nextIndex} outside 1..${leader.length + 1}`);
          assert.ok(p.matchIndex < p.nextIndex || p.matchIndex === 0, `match ${p.matchIndex}, next ${p.nextIndex}`);
          assert.ok(p.matchIndex >= lastMatch, 'match index went back');
          assert.ok(p.matchIndex <= holdsThrough(), `match ${p.matchIndex} beyond what the follower holds (${holdsThrough()})`);
          lastMatch = p.matchIndex;
        };
        for (const o of ops) {
          if (o.kind === 'send') send(o.batch);
          else if (o.kind === 'lost') p.failed();
          else if (o.kind === 'append') for (let i = 0; i < o.n; i++) leader.push(`L${leader.length + 1}`);
          else if (o.kind === 'snapshot') {
            // Install the leader's state up to its last entry (its snapshot covers everything).
            const index = leader.length;
            if (index === 0) continue;
            if (follower[index - 1] !== leader[index - 1]) follower.splice(0, follower.length, ...leader);
            else follower.splice(0, index, ...leader.slice(0, index));
            p.installed(index);
          } else if (o.kind === 'stop') p.stopPipelining();
          else {
            // A success answered again, late: nothing must move back.
            const old = accepted[0];
            if (old !== undefined) p.accepted(old[0], old[1], leader.length);
          }
          check();
        }
        // Liveness: sending with no more failures brings the follower up to date.
        for (let i = 0; i < 2 * (leader.length + 2) && p.matchIndex < leader.length; i++) {
          send(4);
          check();
        }
        assert.equal(p.matchIndex, leader.length, 'never caught up');
        assert.deepEqual(follower.slice(0, leader.length), leader);
      }),
    );
  });
});
