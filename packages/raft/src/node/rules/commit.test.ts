// Commitment as tables (Raft paper, Figure 2, last leader rule: commit N
// once a majority has matchIndex >= N and log[N].term == currentTerm;
// §5.4.2 and Figure 8; Go's commitment.go and commitment_test.go, whose
// cases the Commitment table replays step by step).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Configuration } from '../../configuration.js';
import { ServerSuffrage } from '../../configuration.js';
import { RaftInvariantError } from '../../errors.js';
import { Commitment } from '../commitment.js';
import { leaderCommitIndex, quorumMatchIndex } from './commit.js';

const quorumRows: { name: string; matchIndexes: number[]; expect: number }[] = [
  { name: 'no voters: nothing', matchIndexes: [], expect: 0 },
  { name: 'single voter: its own index', matchIndexes: [10], expect: 10 },
  { name: 'two voters: both needed', matchIndexes: [10, 4], expect: 4 },
  { name: 'three voters: the middle one', matchIndexes: [30, 10, 20], expect: 20 },
  { name: 'three voters, one at 0', matchIndexes: [0, 7, 7], expect: 7 },
  { name: 'four voters: three needed', matchIndexes: [30, 20, 10, 0], expect: 10 },
  { name: 'five voters, two ahead (Go recalculate: 2 of 5 is not enough)', matchIndexes: [30, 20, 0, 0, 0], expect: 0 },
  { name: 'five voters, three ahead', matchIndexes: [30, 20, 10, 0, 0], expect: 10 },
  { name: 'five voters, four ahead', matchIndexes: [30, 20, 10, 15, 0], expect: 15 },
  { name: 'ties', matchIndexes: [5, 5, 5, 5, 5], expect: 5 },
  { name: 'order does not matter', matchIndexes: [1, 9, 3, 7, 5], expect: 5 },
];

describe('quorumMatchIndex', () => {
  for (const row of quorumRows) {
    test(row.name, () => {
      const input = [...row.matchIndexes];
      assert.equal(quorumMatchIndex(input), row.expect);
      assert.deepEqual(input, row.matchIndexes, 'input left alone');
    });
  }
});

const leaderRows: { name: string; current: number; matchIndexes: number[]; startIndex: number; expect: number }[] = [
  { name: 'a majority stores an entry of our term: committed', current: 0, matchIndexes: [5, 5, 0], startIndex: 4, expect: 5 },
  { name: '§5.4.2: a majority stores only entries of earlier terms: not committed', current: 0, matchIndexes: [3, 3, 0], startIndex: 4, expect: 0 },
  { name: '§5.4.2: the first entry of our term (the no-op) on a majority commits it and all before', current: 1, matchIndexes: [4, 4, 2], startIndex: 4, expect: 4 },
  // Figure 8: S1 leads in term 4 (its entry at 3); entry 2 (term 2) on S1, S2, S3 is not committed by that alone.
  { name: 'figure 8 (c): term-2 entry 2 on 3 of 5, term-4 entry 3 on the leader only: nothing commits', current: 1, matchIndexes: [3, 2, 2, 1, 1], startIndex: 3, expect: 1 },
  { name: 'figure 8 (e): term-4 entry 3 on 3 of 5: 2 and 3 commit together', current: 1, matchIndexes: [3, 3, 3, 1, 1], startIndex: 3, expect: 3 },
  { name: 'never back: a smaller quorum index leaves the commit index', current: 8, matchIndexes: [8, 5, 5], startIndex: 2, expect: 8 },
  { name: 'never back: after a configuration change the quorum may be lower', current: 20, matchIndexes: [30, 0, 0, 0], startIndex: 1, expect: 20 },
  { name: 'no voters: unchanged', current: 3, matchIndexes: [], startIndex: 1, expect: 3 },
  { name: 'startIndex itself is committable (TestCommitment_recalculate_startIndex)', current: 0, matchIndexes: [4, 4, 4, 0, 0], startIndex: 4, expect: 4 },
];

describe('leaderCommitIndex', () => {
  for (const row of leaderRows) {
    test(row.name, () => assert.equal(leaderCommitIndex(row.current, row.matchIndexes, row.startIndex), row.expect));
  }
});

function config(voters: string[], nonvoters: string[] = []): Configuration {
  return {
    servers: [
      ...voters.map((id) => ({ id, address: `${id}addr`, suffrage: ServerSuffrage.Voter })),
      ...nonvoters.map((id) => ({ id, address: `${id}addr`, suffrage: ServerSuffrage.Nonvoter })),
    ],
  };
}
const voters = (n: number): Configuration => config(['s1', 's2', 's3', 's4', 's5', 's6', 's7'].slice(0, n));

/** One step of a Commitment scenario: a match, a new configuration, or a check (commit index, and whether it was announced since the last check). */
type CStep = { match: [string, number] } | { configure: Configuration } | { commit: number; notified: boolean };

interface CommitmentRow {
  name: string;
  configuration: Configuration;
  startIndex: number;
  steps: CStep[];
}

// Go's commitment_test.go, case by case (its startIndex 0 becomes 1: shoal's first index is 1).
const commitmentRows: CommitmentRow[] = [
  {
    name: 'TestCommitment_setVoters: a new configuration keeps the match indexes it can',
    configuration: config(['a', 'b', 'c']),
    startIndex: 1,
    steps: [{ match: ['a', 10] }, { match: ['b', 20] }, { match: ['c', 30] }, { commit: 20, notified: true }, { configure: config(['c', 'd', 'e']) }, { match: ['e', 40] }, { commit: 30, notified: true }],
  },
  {
    name: 'TestCommitment_match_max: an earlier index is ignored',
    configuration: voters(5),
    startIndex: 4,
    steps: [{ match: ['s1', 8] }, { match: ['s2', 8] }, { match: ['s2', 1] }, { match: ['s3', 8] }, { commit: 8, notified: true }],
  },
  {
    name: 'TestCommitment_match_nonVoting: servers outside the voters cannot commit',
    configuration: voters(5),
    startIndex: 4,
    steps: [{ match: ['s1', 8] }, { match: ['s2', 8] }, { match: ['s3', 8] }, { commit: 8, notified: true }, { match: ['s90', 10] }, { match: ['s91', 10] }, { match: ['s92', 10] }, { commit: 8, notified: false }],
  },
  {
    name: 'non-voters in the configuration cannot commit either',
    configuration: config(['s1', 's2', 's3'], ['n1', 'n2', 'n3']),
    startIndex: 1,
    steps: [{ match: ['s1', 5] }, { match: ['n1', 9] }, { match: ['n2', 9] }, { match: ['n3', 9] }, { commit: 0, notified: false }, { match: ['s2', 6] }, { commit: 5, notified: true }],
  },
  {
    name: 'TestCommitment_recalculate: 3 of 5, shrinking to 3 voters, growing to 4',
    configuration: voters(5),
    startIndex: 1,
    steps: [
      { match: ['s1', 30] },
      { match: ['s2', 20] },
      { commit: 0, notified: false },
      { match: ['s3', 10] },
      { commit: 10, notified: true },
      { match: ['s4', 15] },
      { commit: 15, notified: true },
      { configure: voters(3) },
      { commit: 20, notified: true },
      { configure: voters(4) },
      { match: ['s2', 25] },
      { commit: 20, notified: false },
      { match: ['s4', 23] },
      { commit: 23, notified: true },
    ],
  },
  {
    name: 'TestCommitment_recalculate_startIndex: nothing before startIndex is committed on its own',
    configuration: voters(5),
    startIndex: 4,
    steps: [{ match: ['s1', 3] }, { match: ['s2', 3] }, { match: ['s3', 3] }, { commit: 0, notified: false }, { match: ['s1', 4] }, { match: ['s2', 4] }, { match: ['s3', 4] }, { commit: 4, notified: true }],
  },
  {
    name: 'TestCommitment_noVoterSanity: no voters, nothing committed; a voter commits; without it again nothing moves',
    configuration: config([]),
    startIndex: 4,
    steps: [
      { match: ['s1', 10] },
      { configure: config([]) },
      { match: ['s1', 10] },
      { commit: 0, notified: false },
      { configure: voters(1) },
      { match: ['s1', 10] },
      { commit: 10, notified: true },
      { configure: config([]) },
      { match: ['s1', 20] },
      { commit: 10, notified: false },
    ],
  },
  {
    name: 'TestCommitment_singleVoter: a single voter commits at once; the same configuration again announces nothing',
    configuration: voters(1),
    startIndex: 4,
    steps: [{ match: ['s1', 10] }, { commit: 10, notified: true }, { configure: voters(1) }, { commit: 10, notified: false }, { match: ['s1', 12] }, { commit: 12, notified: true }],
  },
  {
    name: 'a removed voter that returns starts again from 0',
    configuration: voters(3),
    startIndex: 1,
    steps: [{ match: ['s3', 9] }, { configure: voters(2) }, { configure: voters(3) }, { match: ['s1', 9] }, { commit: 0, notified: false }, { match: ['s3', 9] }, { commit: 9, notified: true }],
  },
  {
    name: 'a demoted voter stops counting',
    configuration: voters(3),
    startIndex: 1,
    steps: [{ match: ['s1', 7] }, { match: ['s3', 7] }, { commit: 7, notified: true }, { configure: config(['s1', 's2'], ['s3']) }, { match: ['s1', 9] }, { match: ['s3', 9] }, { commit: 7, notified: false }, { match: ['s2', 9] }, { commit: 9, notified: true }],
  },
];

describe('Commitment (commitment_test.go)', () => {
  for (const row of commitmentRows) {
    test(row.name, () => {
      const announced: number[] = [];
      const c = new Commitment(row.configuration, row.startIndex, (i) => announced.push(i));
      for (const [i, step] of row.steps.entries()) {
        if ('match' in step) c.match(...step.match);
        else if ('configure' in step) c.setConfiguration(step.configure);
        else {
          assert.equal(c.commitIndex, step.commit, `step ${i}: commit index`);
          assert.equal(announced.length > 0, step.notified, `step ${i}: notified`);
          if (announced.length > 0) assert.equal(announced[announced.length - 1], step.commit, `step ${i}: announced index`);
          announced.length = 0;
        }
      }
    });
  }

  test('matchIndex reports voters only', () => {
    const c = new Commitment(config(['a', 'b'], ['n']), 1, () => {});
    c.match('a', 3);
    c.match('n', 3);
    assert.equal(c.matchIndex('a'), 3);
    assert.equal(c.matchIndex('b'), 0);
    assert.equal(c.matchIndex('n'), undefined);
  });

  test('startIndex 0 is refused (the leader no-op is at least index 1)', () => {
    assert.throws(() => new Commitment(voters(1), 0, () => {}), RaftInvariantError);
  });
});

describe('commit properties', () => {
  test('quorumMatchIndex is stored by a majority, and no higher index is', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (m) => {
        const q = quorumMatchIndex(m);
        const majority = Math.floor(m.length / 2) + 1;
        assert.ok(m.filter((x) => x >= q).length >= majority, 'not on a majority');
        assert.ok(m.filter((x) => x > q).length < majority, 'a higher index is on a majority');
        assert.ok(m.includes(q));
      }),
    );
  });

  test('leaderCommitIndex never goes back, and moves only to an index of our term stored by a majority', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.array(fc.nat(50), { maxLength: 9 }), fc.integer({ min: 1, max: 40 }), (current, m, startIndex) => {
        const next = leaderCommitIndex(current, m, startIndex);
        assert.ok(next >= current);
        if (next !== current) {
          assert.ok(next >= startIndex);
          assert.equal(next, quorumMatchIndex(m));
        }
      }),
    );
  });

  test('Commitment over random matches and configuration changes: monotone, announced exactly when it moves, always a voter quorum index', () => {
    const ids = ['s1', 's2', 's3', 's4', 's5', 'n1'];
    const step = fc.oneof(
      fc.record({ id: fc.constantFrom(...ids), index: fc.nat(40) }).map(({ id, index }) => ({ match: [id, index] as [string, number] })),
      fc.subarray(ids, { minLength: 0 }).map((vs) => ({ configure: config(vs.filter((v) => v !== 'n1'), vs.includes('n1') ? ['n1'] : []) })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(step, { maxLength: 40 }), (startIndex, steps) => {
        const announced: number[] = [];
        let configuration = voters(3);
        const c = new Commitment(configuration, startIndex, (i) => announced.push(i));
        let last = 0;
        for (const s of steps) {
          const before = announced.length;
          if ('match' in s) c.match(...s.match);
          else c.setConfiguration((configuration = s.configure));
          assert.ok(c.commitIndex >= last, 'went back');
          assert.equal(announced.length - before, c.commitIndex > last ? 1 : 0, 'announcement');
          if (c.commitIndex > last) {
            assert.ok(c.commitIndex >= startIndex);
            const matches = configuration.servers.filter((v) => v.suffrage === ServerSuffrage.Voter).map((v) => c.matchIndex(v.id) ?? 0);
            assert.equal(c.commitIndex, quorumMatchIndex(matches));
          }
          last = c.commitIndex;
        }
      }),
    );
  });
});
