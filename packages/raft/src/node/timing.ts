/** Randomized timeouts and retry backoff, as Go raft computes them (util.go). */
import type { Random } from '@shoal/kit';

/** Uniform in [minMs, 2*minMs): staggers timers so nodes do not fire together. */
export function randomTimeout(random: Random, minMs: number): number {
  if (minMs <= 0) return 0;
  return minMs + random.float() * minMs;
}

/** Go's backoff: base doubled (round - 2) times, round capped at `limit`. */
export function backoff(baseMs: number, round: number, limit: number): number {
  let power = Math.min(round, limit);
  let out = baseMs;
  while (power > 2) {
    out *= 2;
    power--;
  }
  return out;
}

/** Failure backoff base for replication and heartbeats. */
export const FAILURE_WAIT_MS = 10;
/** Cap on the doubling of replication backoff. */
export const MAX_FAILURE_SCALE = 12;
/** Minimum interval between leader lease checks. */
export const MIN_CHECK_INTERVAL_MS = 10;
