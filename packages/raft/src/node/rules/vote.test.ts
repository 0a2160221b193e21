// The voter's rules as tables (Raft paper, Figure 2, RequestVote receiver
// rules 1-2 and §5.4.1; Go's requestVote / requestPreVote and their tests:
// TestRaft_Voting, TestRaft_VotingGrant_WhenLeaderAvailable,
// TestRaft_VoteNotGranted_WhenNodeNotInCluster, PR #526's non-voter with a
// higher term, TestRaft_PreVote_ShouldNotRejectLeader / ShouldRejectNonLeader).
// Every row names its case; the loop runs each as its own test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Configuration } from '../../configuration.js';
import { ServerSuffrage } from '../../configuration.js';
import type { CastVote, VoteDecision, VoteRefusal, VoteRequestView, VoterView } from './vote.js';
import { castVote, decidePreVote, decideVote, logUpToDate, screenVote } from './vote.js';

// Voters a, b, c; non-voter n; staging s (behaves like a non-voter). Addresses are upper case.
const configuration: Configuration = {
  servers: [
    { id: 'a', address: 'A', suffrage: ServerSuffrage.Voter },
    { id: 'b', address: 'B', suffrage: ServerSuffrage.Voter },
    { id: 'c', address: 'C', suffrage: ServerSuffrage.Voter },
    { id: 'n', address: 'N', suffrage: ServerSuffrage.Nonvoter },
    { id: 's', address: 'S', suffrage: ServerSuffrage.Staging },
  ],
};

/** Voter a at term 5, log ending at (index 10, term 5), no known leader, not in its quiet period. */
const voterA: VoterView = { currentTerm: 5, lastLogIndex: 10, lastLogTerm: 5, configuration, leaderAddr: '', now: 1_000, voteQuietUntil: 0 };

/** Candidate b asking for term 6 with a log equal to ours. */
const fromB: VoteRequestView = { term: 6, candidateId: 'b', candidateAddr: 'B', lastLogIndex: 10, lastLogTerm: 5, leadershipTransfer: false };

function who(id: string): Pick<VoteRequestView, 'candidateId' | 'candidateAddr'> {
  return { candidateId: id, candidateAddr: id === '' ? 'B' : id.toUpperCase() };
}

interface VoteRow {
  name: string;
  view?: Partial<VoterView>;
  req?: Partial<VoteRequestView>;
  cast?: CastVote;
  expect: VoteDecision;
}

const grant = (adoptTerm: boolean): VoteDecision => ({ grant: true, adoptTerm });
const refuse = (reason: VoteRefusal, adoptTerm: boolean): VoteDecision => ({ grant: false, adoptTerm, reason });

const voteRows: VoteRow[] = [
  // Figure 2, RequestVote receiver rule 1: reply false if term < currentTerm.
  { name: 'rule 1: a stale term is refused', req: { term: 4 }, expect: refuse('stale-term', false) },
  { name: 'rule 1: a stale term is refused even with a longer, newer log', req: { term: 4, lastLogIndex: 50, lastLogTerm: 9 }, expect: refuse('stale-term', false) },
  // Rule 2: votedFor is null or candidateId, and the candidate's log is at least as up to date.
  { name: 'rule 2: no vote yet in our term, equal log: granted', req: { term: 5 }, expect: grant(false) },
  { name: 'rule 2: a newer term is adopted, then the vote granted', expect: grant(true) },
  { name: 'rule 2: already voted for another candidate this term', req: { term: 5 }, cast: { term: 5, sameCandidate: false }, expect: refuse('voted-for-another', false) },
  { name: 'rule 2: already voted for this candidate this term: granted again (a retried request)', req: { term: 5 }, cast: { term: 5, sameCandidate: true }, expect: grant(false) },
  { name: 'rule 2: a vote for another candidate in an earlier term does not bind', cast: { term: 5, sameCandidate: false }, expect: grant(true) },
  {
    name: 'rule 2 (Go order): a repeated vote for the same candidate skips the log check',
    req: { term: 5, lastLogIndex: 3, lastLogTerm: 2 },
    cast: { term: 5, sameCandidate: true },
    expect: grant(false),
  },
  { name: 'rule 2: voted for another, and the log is behind: the cast vote is the reason', req: { term: 5, lastLogTerm: 1 }, cast: { term: 5, sameCandidate: false }, expect: refuse('voted-for-another', false) },
  // §5.4.1: compare last terms, then lengths.
  { name: '§5.4.1: older last term is behind even with a longer log; the newer term is still adopted', req: { lastLogIndex: 20, lastLogTerm: 4 }, expect: refuse('log-not-up-to-date', true) },
  { name: '§5.4.1: same last term and a shorter log is behind', req: { lastLogIndex: 9 }, expect: refuse('log-not-up-to-date', true) },
  { name: '§5.4.1: same last term and the same length is up to date', expect: grant(true) },
  { name: '§5.4.1: same last term and a longer log is up to date', req: { lastLogIndex: 11 }, expect: grant(true) },
  { name: '§5.4.1: newer last term with a shorter log is up to date', req: { lastLogIndex: 2, lastLogTerm: 6 }, expect: grant(true) },
  { name: '§5.4.1: an empty voter log grants an empty candidate log', view: { lastLogIndex: 0, lastLogTerm: 0 }, req: { lastLogIndex: 0, lastLogTerm: 0 }, expect: grant(true) },
  { name: '§5.4.1: an empty candidate log is behind a non-empty one', req: { lastLogIndex: 0, lastLogTerm: 0 }, expect: refuse('log-not-up-to-date', true) },
  // Leader stickiness (Go; TestRaft_Voting / TestRaft_VotingGrant_WhenLeaderAvailable).
  { name: 'stickiness: a follower votes for the leader it follows', view: { leaderAddr: 'B' }, req: { term: 15 }, expect: grant(true) },
  { name: 'stickiness: a follower refuses another candidate and keeps its term', view: { leaderAddr: 'C' }, req: { term: 15 }, expect: refuse('have-leader', false) },
  { name: 'stickiness: a leadership transfer overrides it', view: { leaderAddr: 'C' }, req: { term: 15, leadershipTransfer: true }, expect: grant(true) },
  { name: 'stickiness comes before the term check (Go order)', view: { leaderAddr: 'C' }, req: { term: 4 }, expect: refuse('have-leader', false) },
  { name: 'stickiness: a transfer still needs a current term', view: { leaderAddr: 'C' }, req: { term: 4, leadershipTransfer: true }, expect: refuse('stale-term', false) },
  { name: 'stickiness: a transfer still needs an up-to-date log', view: { leaderAddr: 'C' }, req: { leadershipTransfer: true, lastLogTerm: 4 }, expect: refuse('log-not-up-to-date', true) },
  { name: 'stickiness: a transfer still respects the vote already cast', view: { leaderAddr: 'C' }, req: { term: 5, leadershipTransfer: true }, cast: { term: 5, sameCandidate: false }, expect: refuse('voted-for-another', false) },
  // Membership (Go PR #477, TestRaft_VoteNotGranted_WhenNodeNotInCluster).
  { name: 'membership: a candidate outside our configuration is refused, term left alone', req: { ...who('x'), term: 15 }, expect: refuse('candidate-not-in-configuration', false) },
  { name: 'membership is checked before the term', req: { ...who('x'), term: 4 }, expect: refuse('candidate-not-in-configuration', false) },
  { name: 'membership is checked before stickiness', view: { leaderAddr: 'C' }, req: { ...who('x') }, expect: refuse('candidate-not-in-configuration', false) },
  { name: 'membership: a transfer does not override it', req: { ...who('x'), leadershipTransfer: true }, expect: refuse('candidate-not-in-configuration', false) },
  { name: 'membership: without a candidate ID (older wire generations) it is not checked', req: who(''), expect: grant(true) },
  { name: 'membership: a voter with no configuration yet (awaiting bootstrap) grants, as upstream Go does', view: { configuration: { servers: [] }, currentTerm: 0, lastLogIndex: 0, lastLogTerm: 0 }, req: { term: 2, lastLogIndex: 1, lastLogTerm: 1 }, expect: grant(true) },
  // Non-voters (upstream 1.2+; PR #526: a non-voter's higher term is adopted, its vote refused).
  { name: 'PR #526: a non-voter with a newer term: term adopted, vote refused', req: { ...who('n'), term: 9 }, expect: refuse('candidate-not-voter', true) },
  { name: 'non-voter in our term: refused, nothing adopted', req: { ...who('n'), term: 5 }, expect: refuse('candidate-not-voter', false) },
  { name: 'non-voter with a stale term: the term is the reason', req: { ...who('n'), term: 4 }, expect: refuse('stale-term', false) },
  { name: 'a staging server counts as a non-voter', req: who('s'), expect: refuse('candidate-not-voter', true) },
  { name: 'non-voter: checked before the vote already cast', req: { ...who('n'), term: 5 }, cast: { term: 5, sameCandidate: true }, expect: refuse('candidate-not-voter', false) },
  // A candidate whose log is ahead of ours may hold a newer configuration (shoal, beyond Go: chaos seed 1945 deadlocked without this).
  { name: 'a non-voter to us whose log is longer than ours may be a voter in a newer configuration: granted', req: { ...who('n'), term: 9, lastLogIndex: 11 }, expect: grant(true) },
  { name: 'a non-voter to us whose last term is newer than ours: granted', req: { ...who('n'), term: 9, lastLogIndex: 3, lastLogTerm: 6 }, expect: grant(true) },
  { name: 'a candidate outside our configuration whose log is ahead of ours: granted', req: { ...who('x'), term: 9, lastLogIndex: 12 }, expect: grant(true) },
  { name: 'a non-voter to us with a log equal to ours is still refused', req: { ...who('n'), term: 9, lastLogIndex: 10 }, expect: refuse('candidate-not-voter', true) },
  // A restarted server stays quiet for a heartbeat timeout (shoal, beyond Go: docs/raft.md "Lease reads").
  { name: 'quiet period: votes refused just after a restart, term left alone', view: { now: 1_000, voteQuietUntil: 1_500 }, req: { term: 9 }, expect: refuse('recently-started', false) },
  { name: 'quiet period: over once the clock reaches its end', view: { now: 1_500, voteQuietUntil: 1_500 }, expect: grant(true) },
  { name: 'quiet period: a leadership transfer overrides it', view: { now: 1_000, voteQuietUntil: 1_500 }, req: { leadershipTransfer: true }, expect: grant(true) },
  { name: 'quiet period: stickiness is the reason when both apply', view: { leaderAddr: 'C', voteQuietUntil: 1_500 }, expect: refuse('have-leader', false) },
];

/** Refusals decided by screenVote (the rest come from castVote). */
const SCREEN_REASONS = new Set<VoteRefusal>(['candidate-not-in-configuration', 'have-leader', 'recently-started', 'stale-term', 'candidate-not-voter']);

describe('decideVote (RequestVote receiver)', () => {
  for (const row of voteRows) {
    test(row.name, () => {
      const view = { ...voterA, ...row.view };
      const req = { ...fromB, ...row.req };
      assert.deepEqual(decideVote(view, req, row.cast), row.expect);
      // The two stages the handler runs give the same answer: screen, adopt the term, then cast.
      const screening = screenVote(view, req);
      assert.equal(screening.adoptTerm, row.expect.adoptTerm, 'screenVote adoptTerm');
      const screenedOut = !row.expect.grant && SCREEN_REASONS.has(row.expect.reason);
      assert.equal(screening.refuse, screenedOut && !row.expect.grant ? row.expect.reason : undefined, 'screenVote refusal');
      if (!screenedOut) {
        const adopted = screening.adoptTerm ? { ...view, currentTerm: req.term } : view;
        const expectCast = row.expect.grant ? { grant: true } : { grant: false, reason: row.expect.reason };
        assert.deepEqual(castVote(adopted, req, row.cast), expectCast, 'castVote');
      }
    });
  }
});

interface PreVoteRow {
  name: string;
  view?: Partial<VoterView>;
  req?: Partial<VoteRequestView>;
  expect: { grant: true } | { grant: false; reason: VoteRefusal };
}

const preVoteRows: PreVoteRow[] = [
  { name: 'ShouldNotRejectLeader: a follower grants its own leader a pre-vote', view: { leaderAddr: 'B' }, expect: { grant: true } },
  { name: 'ShouldRejectNonLeader: a follower refuses another server while it has a leader', view: { leaderAddr: 'C' }, expect: { grant: false, reason: 'have-leader' } },
  { name: 'a pre-vote for the next term with an equal log is granted', expect: { grant: true } },
  { name: 'a pre-vote for our own term is not stale', req: { term: 5 }, expect: { grant: true } },
  { name: 'a pre-vote for an older term is refused', req: { term: 4 }, expect: { grant: false, reason: 'stale-term' } },
  { name: 'a candidate outside our configuration is refused', req: who('x'), expect: { grant: false, reason: 'candidate-not-in-configuration' } },
  { name: 'a non-voter is refused, whatever its term', req: { ...who('n'), term: 50 }, expect: { grant: false, reason: 'candidate-not-voter' } },
  { name: 'a staging server is refused', req: who('s'), expect: { grant: false, reason: 'candidate-not-voter' } },
  { name: 'a non-voter to us whose log is ahead of ours is granted (it may be a voter in a newer configuration)', req: { ...who('n'), lastLogIndex: 11 }, expect: { grant: true } },
  { name: 'a candidate outside our configuration whose log is ahead of ours is granted', req: { ...who('x'), lastLogIndex: 11 }, expect: { grant: true } },
  { name: 'a log with an older last term is refused', req: { lastLogIndex: 30, lastLogTerm: 4 }, expect: { grant: false, reason: 'log-not-up-to-date' } },
  { name: 'a shorter log with the same last term is refused', req: { lastLogIndex: 9 }, expect: { grant: false, reason: 'log-not-up-to-date' } },
  { name: 'a longer log is granted', req: { lastLogIndex: 12, lastLogTerm: 5 }, expect: { grant: true } },
  { name: 'a voter with no configuration yet (awaiting bootstrap) grants, as upstream Go does', view: { configuration: { servers: [] }, currentTerm: 0, lastLogIndex: 0, lastLogTerm: 0 }, req: { term: 2, lastLogIndex: 1, lastLogTerm: 1 }, expect: { grant: true } },
  { name: 'quiet period after a restart refuses pre-votes too', view: { voteQuietUntil: 2_000 }, expect: { grant: false, reason: 'recently-started' } },
];

describe('decidePreVote (RequestPreVote receiver)', () => {
  for (const row of preVoteRows) {
    test(row.name, () => {
      const { leadershipTransfer: _ignored, ...req } = { ...fromB, ...row.req };
      assert.deepEqual(decidePreVote({ ...voterA, ...row.view }, req), row.expect);
    });
  }
});

const logUpToDateRows: { name: string; ours: [number, number]; theirs: [number, number]; expect: boolean }[] = [
  { name: 'equal logs', ours: [10, 5], theirs: [10, 5], expect: true },
  { name: 'longer, same last term', ours: [10, 5], theirs: [11, 5], expect: true },
  { name: 'shorter, same last term', ours: [10, 5], theirs: [9, 5], expect: false },
  { name: 'shorter, newer last term', ours: [10, 5], theirs: [1, 6], expect: true },
  { name: 'longer, older last term', ours: [10, 5], theirs: [99, 4], expect: false },
  { name: 'both empty', ours: [0, 0], theirs: [0, 0], expect: true },
  { name: 'theirs empty', ours: [1, 1], theirs: [0, 0], expect: false },
];

describe('logUpToDate (§5.4.1)', () => {
  for (const row of logUpToDateRows) {
    test(row.name, () => {
      const [oi, ot] = row.ours;
      const [ti, tt] = row.theirs;
      assert.equal(logUpToDate({ lastLogIndex: oi, lastLogTerm: ot }, { lastLogIndex: ti, lastLogTerm: tt }), row.expect);
    });
  }
});

describe('vote properties', () => {
  const log = fc.record({ lastLogIndex: fc.nat(20), lastLogTerm: fc.nat(6) });

  test('logUpToDate is the lexicographic order on (last term, last index): total, and both ways only for equal logs', () => {
    fc.assert(
      fc.property(log, log, (x, y) => {
        const xy = logUpToDate(x, y);
        const yx = logUpToDate(y, x);
        assert.ok(xy || yx);
        assert.equal(xy && yx, x.lastLogIndex === y.lastLogIndex && x.lastLogTerm === y.lastLogTerm);
        assert.equal(xy, y.lastLogTerm > x.lastLogTerm || (y.lastLogTerm === x.lastLogTerm && y.lastLogIndex >= x.lastLogIndex));
      }),
    );
  });

  const ids = fc.constantFrom('a', 'b', 'c', 'n', 'x', '');
  const request = fc.record({
    term: fc.integer({ min: 1, max: 6 }),
    id: ids,
    lastLogIndex: fc.nat(12),
    lastLogTerm: fc.nat(6),
    leadershipTransfer: fc.boolean(),
  });
  const toView = (r: { term: number; id: string; lastLogIndex: number; lastLogTerm: number; leadershipTransfer: boolean }): VoteRequestView => ({
    term: r.term,
    candidateId: r.id,
    candidateAddr: r.id === '' ? 'B' : r.id.toUpperCase(),
    lastLogIndex: r.lastLogIndex,
    lastLogTerm: r.lastLogTerm,
    leadershipTransfer: r.leadershipTransfer,
  });

  test('a pre-vote answers exactly as a vote would with no vote cast, without a transfer', () => {
    fc.assert(
      fc.property(request, fc.constantFrom('', 'B', 'C'), fc.boolean(), (r, leaderAddr, quiet) => {
        const view = { ...voterA, leaderAddr, voteQuietUntil: quiet ? 2_000 : 0 };
        const req = { ...toView(r), leadershipTransfer: false };
        const vote = decideVote(view, req, undefined);
        const pre = decidePreVote(view, req);
        assert.deepEqual(pre, vote.grant ? { grant: true } : { grant: false, reason: vote.reason });
      }),
    );
  });

  test('election safety at one voter: at most one candidate granted per term, never a stale term, never a behind log', () => {
    fc.assert(
      fc.property(fc.array(request, { maxLength: 40 }), (requests) => {
        // The voter's durable state, updated as handleRequestVote does.
        let currentTerm = 1;
        let cast: { term: number; candidate: string } | undefined;
        const granted = new Map<number, Set<string>>();
        for (const r of requests) {
          const req = toView(r);
          const view = { ...voterA, currentTerm, lastLogIndex: 6, lastLogTerm: 3 };
          const vote = decideVote(view, req, cast === undefined ? undefined : { term: cast.term, sameCandidate: cast.candidate === req.candidateAddr });
          assert.equal(vote.adoptTerm, vote.adoptTerm && req.term > currentTerm);
          if (vote.adoptTerm) currentTerm = req.term;
          if (!vote.grant) continue;
          assert.ok(req.term >= view.currentTerm, 'granted a stale term');
          const set = granted.get(req.term) ?? new Set<string>();
          set.add(req.candidateAddr);
          granted.set(req.term, set);
          assert.equal(set.size, 1, `two candidates granted in term ${req.term}`);
          if (cast === undefined || cast.term !== req.term) {
            assert.ok(logUpToDate(view, req), 'granted a log that is behind');
            cast = { term: req.term, candidate: req.candidateAddr };
          }
        }
      }),
    );
  });
});
