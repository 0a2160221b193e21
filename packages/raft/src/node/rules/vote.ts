/**
 * The voter's side of an election, as pure decisions (Raft paper, Figure 2,
 * RequestVote receiver; Go's requestVote and requestPreVote, with upstream's
 * extra refusals: votes only for servers in our configuration, none while we
 * know another leader, none just after a restart). A vote is decided in two
 * stages because the vote already cast this term is read from the stable
 * store, and only after a newer term has been adopted:
 *  1. `screenVote`: refuse at once, or go on (adopting the request's term first if newer);
 *  2. `castVote`: given the vote already cast in the request's term, grant or refuse.
 * `decideVote` runs both for callers that hold everything at once (tests).
 */
import type { Configuration } from '../../configuration.js';
import { hasVote, inConfiguration } from '../../configuration.js';
import type { ServerAddress, ServerID } from '../../ids.js';

/** Why a vote or pre-vote was refused. */
export type VoteRefusal =
  | 'candidate-not-in-configuration'
  | 'have-leader'
  | 'recently-started'
  | 'stale-term'
  | 'candidate-not-voter'
  | 'voted-for-another'
  | 'log-not-up-to-date';

/** What the voter knows when a request arrives. */
export interface VoterView {
  currentTerm: number;
  lastLogIndex: number;
  lastLogTerm: number;
  /** The latest configuration (perhaps uncommitted), as Go uses. */
  configuration: Configuration;
  /** The leader we follow, or ''. */
  leaderAddr: ServerAddress;
  now: number;
  /** Votes are refused before this clock time (a restarted server stays quiet for a heartbeat timeout). */
  voteQuietUntil: number;
}

export interface VoteRequestView {
  term: number;
  /** The candidate's ID, or '' when its wire generation does not send one. */
  candidateId: ServerID;
  candidateAddr: ServerAddress;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Asked for by a leadership transfer (TimeoutNow): leader stickiness and the quiet period do not apply. */
  leadershipTransfer: boolean;
}

/** The vote this voter already cast in the request's term, if any. */
export interface CastVote {
  term: number;
  /** Whether it went to this same candidate. */
  sameCandidate: boolean;
}

export type Screening = { adoptTerm: boolean; refuse: VoteRefusal | undefined };

export type VoteDecision = { grant: true; adoptTerm: boolean } | { grant: false; adoptTerm: boolean; reason: VoteRefusal };

/** Whether a candidate's log (lastTerm, lastIndex) is at least as up to date as ours (Raft §5.4.1). */
export function logUpToDate(ours: { lastLogIndex: number; lastLogTerm: number }, theirs: { lastLogIndex: number; lastLogTerm: number }): boolean {
  if (theirs.lastLogTerm !== ours.lastLogTerm) return theirs.lastLogTerm > ours.lastLogTerm;
  return theirs.lastLogIndex >= ours.lastLogIndex;
}

/**
 * Whether the voter has a configuration to judge candidates by. A server
 * that has none yet is most likely waiting to be bootstrapped by a peer
 * (upstream Go grants such votes, and 1.1.2 never checks membership).
 */
function isKnown(view: VoterView): boolean {
  return view.configuration.servers.length > 0;
}

/**
 * Whether our configuration can judge this candidate's membership. Upstream
 * refuses candidates that the voter's latest configuration does not list as
 * voters; but a candidate whose log is strictly ahead of ours may hold a newer
 * configuration, one that made it a voter. Refusing it then can deadlock a
 * cluster for good (found by the chaos simulation, seed 1945: the one voter
 * that could elect the newest configuration's candidate lagged a
 * configuration behind and refused it, while the only candidate it would
 * accept lacked the up-to-date log every other voter required). So the
 * membership refusals apply only to candidates whose log is not ahead of
 * ours. They guard against disruption, not safety, which rests on one vote
 * per term and the up-to-date check alone.
 */
function judgesMembership(view: VoterView, req: { candidateId: ServerID; lastLogIndex: number; lastLogTerm: number }): boolean {
  if (req.candidateId === '' || !isKnown(view)) return false;
  const ahead = req.lastLogTerm > view.lastLogTerm || (req.lastLogTerm === view.lastLogTerm && req.lastLogIndex > view.lastLogIndex);
  return !ahead;
}

/** Refusals that come before terms are compared: they leave our term alone even when the request's is newer. */
function refuseBeforeTerms(view: VoterView, req: VoteRequestView): VoteRefusal | undefined {
  if (judgesMembership(view, req) && !inConfiguration(view.configuration, req.candidateId)) return 'candidate-not-in-configuration';
  if (!req.leadershipTransfer) {
    if (view.leaderAddr !== '' && view.leaderAddr !== req.candidateAddr) return 'have-leader';
    if (view.now < view.voteQuietUntil) return 'recently-started';
  }
  return undefined;
}

/** Stage 1 of a vote: refuse at once, or go on (adopting the request's newer term first). */
export function screenVote(view: VoterView, req: VoteRequestView): Screening {
  const early = refuseBeforeTerms(view, req);
  if (early !== undefined) return { adoptTerm: false, refuse: early };
  if (req.term < view.currentTerm) return { adoptTerm: false, refuse: 'stale-term' };
  const adoptTerm = req.term > view.currentTerm;
  // Non-voters (upstream 1.2+) cannot be elected; the newer term is adopted all the same.
  if (judgesMembership(view, req) && !hasVote(view.configuration, req.candidateId)) return { adoptTerm, refuse: 'candidate-not-voter' };
  return { adoptTerm, refuse: undefined };
}

/** Stage 2 of a vote (after screening passed): one vote per term, and only for an up-to-date log. */
export function castVote(view: VoterView, req: VoteRequestView, cast: CastVote | undefined): { grant: true } | { grant: false; reason: VoteRefusal } {
  if (cast !== undefined && cast.term === req.term) return cast.sameCandidate ? { grant: true } : { grant: false, reason: 'voted-for-another' };
  if (!logUpToDate(view, req)) return { grant: false, reason: 'log-not-up-to-date' };
  return { grant: true };
}

/** Both stages at once. */
export function decideVote(view: VoterView, req: VoteRequestView, cast: CastVote | undefined): VoteDecision {
  const screening = screenVote(view, req);
  if (screening.refuse !== undefined) return { grant: false, adoptTerm: screening.adoptTerm, reason: screening.refuse };
  const adopted = screening.adoptTerm ? { ...view, currentTerm: req.term } : view;
  const vote = castVote(adopted, req, cast);
  return vote.grant ? { grant: true, adoptTerm: screening.adoptTerm } : { grant: false, adoptTerm: screening.adoptTerm, reason: vote.reason };
}

/**
 * A pre-vote (upstream 1.7): the checks of a vote without changing anything:
 * no term is adopted and no vote is recorded, so a pre-vote never disturbs a
 * working cluster. The leader and quiet-period refusals always apply.
 */
export function decidePreVote(view: VoterView, req: Omit<VoteRequestView, 'leadershipTransfer'>): { grant: true } | { grant: false; reason: VoteRefusal } {
  const early = refuseBeforeTerms(view, { ...req, leadershipTransfer: false });
  if (early !== undefined) return { grant: false, reason: early };
  if (req.term < view.currentTerm) return { grant: false, reason: 'stale-term' };
  if (judgesMembership(view, req) && !hasVote(view.configuration, req.candidateId)) return { grant: false, reason: 'candidate-not-voter' };
  if (!logUpToDate(view, req)) return { grant: false, reason: 'log-not-up-to-date' };
  return { grant: true };
}
