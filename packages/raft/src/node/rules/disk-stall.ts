/**
 * When a leader's own disk makes it unfit to lead (Go's open issue #503: a
 * leader whose fsync hangs keeps heartbeating, so followers never elect
 * another, and every write waits forever).
 *
 * Check-quorum steps a leader down once it has not heard from a quorum within
 * leaderLeaseTimeout. A leader whose log write has not returned has lost the
 * one vote it counted on without asking, its own, so the same limit applies:
 * a write outstanding for longer than the lease means the leader must stop
 * speaking as leader. The limit is at most the heartbeat timeout (the
 * configuration is validated so), hence within the election timeout.
 */

/**
 * Whether the leader's outstanding local log write, started at clock time
 * `writeStartedAt` (undefined: none outstanding), has stalled at `now`.
 * A write exactly `limitMs` old has not (as a contact exactly a lease ago still counts).
 */
export function localWriteStalled(writeStartedAt: number | undefined, now: number, limitMs: number): boolean {
  return writeStartedAt !== undefined && now - writeStartedAt > limitMs;
}
