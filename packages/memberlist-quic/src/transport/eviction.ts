/**
 * When the pool lets go of a connection (pure; time from the injected Clock).
 *
 * - A connection QUIC has closed (idle timeout: with keep-alives running this
 *   only happens when the peer stopped answering; the peer closed it; our
 *   shutdown) is forgotten at once.
 * - Past `maxConnectionAgeMs` (0: off) a connection is retired: the next send
 *   dials a fresh one and this one drains.
 * - A draining connection (retired, or the loser of a tie-break) carries no new
 *   traffic from us and is closed once it has no open streams and
 *   `drainGraceMs` has passed since it started draining (time for streams the
 *   peer opened before it saw the duplicate to arrive), or unconditionally
 *   after `drainTimeoutMs`.
 */
import type { Clock } from '@shoal/kit';

export interface PooledConnectionState {
  /** clock.now() when the connection came up. */
  createdAt: number;
  /** QUIC reports it closed. */
  closed: boolean;
  /** clock.now() when it started draining; undefined while in use. */
  drainingSince: number | undefined;
  /** Streams on it, either direction, not yet finished. */
  openStreams: number;
}

export interface EvictionPolicy {
  maxConnectionAgeMs: number;
  drainGraceMs: number;
  drainTimeoutMs: number;
}

export type EvictionVerdict = 'keep' | 'forget' | 'retire' | 'close';

export function evictionVerdict(conn: PooledConnectionState, clock: Pick<Clock, 'now'>, policy: EvictionPolicy): EvictionVerdict {
  if (conn.closed) return 'forget';
  const now = clock.now();
  if (conn.drainingSince !== undefined) {
    const draining = now - conn.drainingSince;
    if (draining >= policy.drainTimeoutMs) return 'close';
    if (conn.openStreams === 0 && draining >= policy.drainGraceMs) return 'close';
    return 'keep';
  }
  if (policy.maxConnectionAgeMs > 0 && now - conn.createdAt >= policy.maxConnectionAgeMs) return 'retire';
  return 'keep';
}
