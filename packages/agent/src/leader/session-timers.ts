// The leader's session TTL timers: a session with a TTL ends when it goes
// TTL × 2 (Consul's grace) without a renewal, counted from its creation, its
// latest renewal, or the leader's own election, whichever is latest. Only
// the leader runs them (start on gaining leadership, stop on losing it); a
// destroy that fails to write is retried while still leading.
import type { Clock, Logger, Timer } from '@shoal/kit';
import type { Replicator } from '../replicator.js';
import type { Session } from '../state/records.js';
import type { StateStore } from '../state/store.js';

/** Consul grants a session twice its TTL before the leader ends it. */
export const SESSION_TTL_MULTIPLIER = 2;

export interface SessionTimersOptions {
  readonly store: StateStore;
  readonly replicator: Replicator;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delay before a failed destroy is tried again. */
  readonly retryMs: number;
}

export class SessionTimers {
  readonly #o: SessionTimersOptions;
  readonly #timers = new Map<string, Timer>();
  #unsubscribe: (() => void) | undefined;
  #running = false;

  constructor(options: SessionTimersOptions) {
    this.#o = options;
  }

  /** Gives every session a full grace period from now, and follows the store's sessions from here on. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#o.store.listen({
      sessionCreated: (s) => this.#arm(s),
      sessionEnded: (s) => this.#disarm(s.id),
      restored: () => this.#armAll(),
    });
    this.#armAll();
  }

  stop(): void {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  /** Restarts session `id`'s grace period; false when there is no such session. */
  renew(id: string): boolean {
    const session = this.#o.store.sessions.get(id);
    if (!session) return false;
    this.#arm(session);
    return true;
  }

  #armAll(): void {
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    for (const s of this.#o.store.sessions.values()) this.#arm(s);
  }

  #arm(session: Session): void {
    if (!this.#running || session.ttlMs === 0) return;
    this.#timers.get(session.id)?.cancel();
    this.#timers.set(session.id, this.#o.clock.after(session.ttlMs * SESSION_TTL_MULTIPLIER, () => this.#expire(session.id)));
  }

  #disarm(id: string): void {
    this.#timers.get(id)?.cancel();
    this.#timers.delete(id);
  }

  #expire(id: string): void {
    if (!this.#running || !this.#o.store.sessions.has(id)) return;
    this.#o.logger.info({ session: id }, 'session TTL expired');
    this.#o.replicator.write({ type: 'session-destroy', id }).catch((error: unknown) => {
      this.#o.logger.warn({ session: id, err: error }, 'could not end an expired session; retrying');
      if (this.#running) this.#timers.set(id, this.#o.clock.after(this.#o.retryMs, () => this.#expire(id)));
    });
  }
}
