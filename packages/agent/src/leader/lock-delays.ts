// Consul's lock-delay: after a session ends, the keys it held cannot be
// acquired again for the session's LockDelay. Like Consul, kept in memory on
// each server (not in raft) and enforced by the leader before it proposes a lock.
import type { Clock } from '@shoal/kit';
import type { Session } from '../state/records.js';
import type { StoreListener } from '../state/store.js';

export class LockDelays implements StoreListener {
  readonly #clock: Clock;
  /** key → clock time until which it cannot be locked. */
  readonly #until = new Map<string, number>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  sessionEnded(session: Session, heldKeys: readonly string[]): void {
    if (session.lockDelayMs <= 0) return;
    const until = this.#clock.now() + session.lockDelayMs;
    for (const key of heldKeys) this.#until.set(key, Math.max(until, this.#until.get(key) ?? 0));
  }

  /** Milliseconds until `key` may be locked again (0: now). */
  remainingMs(key: string): number {
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    const left = until - this.#clock.now();
    if (left > 0) return left;
    this.#until.delete(key);
    return 0;
  }
}
