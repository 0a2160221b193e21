/**
 * The leader's two time-based rules, as pure functions:
 *  - check-quorum (Go's checkLeaderLease): a leader that has not heard from a
 *    majority of voters within leaderLeaseTimeout steps down;
 *  - the read lease (beyond Go): until when no other leader can exist, given
 *    when the voters last acknowledged us, so a read may be served without a
 *    round of heartbeats.
 */
import { MIN_CHECK_INTERVAL_MS } from '../timing.js';

/** One voter's last contact with the leader, in clock ms (undefined: never; the leader itself: Infinity). */
export interface VoterContact {
  id: string;
  /** For check-quorum: when we last heard from it. */
  lastContact: number | undefined;
}

export type QuorumCheck =
  | { stepDown: true; contacted: number; needed: number; missed: string[] }
  | { stepDown: false; contacted: number; needed: number; missed: string[]; nextCheckMs: number };

/**
 * Whether a leader keeps leading at `now`: it must have heard from `needed`
 * voters (itself included, as `self`) within `leaseMs`. When it does, the
 * next check is due when the oldest of those contacts would expire.
 */
export function checkQuorum(voters: readonly VoterContact[], self: string, now: number, leaseMs: number, needed: number): QuorumCheck {
  let contacted = 0;
  let maxDiff = 0;
  const missed: string[] = [];
  for (const v of voters) {
    if (v.id === self) {
      contacted++;
      continue;
    }
    const diff = v.lastContact === undefined ? Number.POSITIVE_INFINITY : now - v.lastContact;
    if (diff <= leaseMs) {
      contacted++;
      if (diff > maxDiff) maxDiff = diff;
    } else missed.push(v.id);
  }
  if (contacted < needed) return { stepDown: true, contacted, needed, missed };
  return { stepDown: false, contacted, needed, missed, nextCheckMs: Math.max(leaseMs - maxDiff, MIN_CHECK_INTERVAL_MS) };
}

export interface LeaseInputs {
  /** config.leaseReads, and nothing has revoked it this term (a transfer, a shorter heartbeat timeout). */
  enabled: boolean;
  /** An entry of this term is committed (before that our commit index may lag). */
  termCommitted: boolean;
  /** Per voter, the send time of the newest request it acknowledged in our term (Infinity for ourselves). */
  ackedSendTimes: readonly number[];
  needed: number;
  heartbeatTimeoutMs: number;
  maxClockDriftRatio: number;
}

/**
 * Until when (clock ms) a read may be answered from the lease, or -Infinity.
 * A follower that acknowledged a request sent at t refuses votes until a
 * heartbeat timeout has passed on its own clock after it heard from us, so
 * no other leader can be elected before t + heartbeatTimeout, less the
 * drift that a fast follower clock could take off.
 */
export function readLeaseExpiry(lease: LeaseInputs): number {
  if (!lease.enabled || !lease.termCommitted) return Number.NEGATIVE_INFINITY;
  const times = [...lease.ackedSendTimes].sort((a, b) => b - a);
  const quorumTime = times[lease.needed - 1] ?? Number.NEGATIVE_INFINITY;
  return quorumTime + lease.heartbeatTimeoutMs * (1 - lease.maxClockDriftRatio);
}
