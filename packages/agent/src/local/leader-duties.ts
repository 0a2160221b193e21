// What the leader does beyond applying writes: it times out sessions whose TTL
// ran out (TTL × 2 after creation, renewal or the leader's own election, as
// Consul allows), and keeps each member's node and serfHealth check in the
// catalog in step with gossip. start() on gaining leadership, stop() on losing it.
import type { Clock, Logger, Timer } from '@shoal/kit';
import { silentLogger } from '@shoal/kit';
import type { MemberView, Member } from '../member-view.js';
import { nodeSpecOf } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import type { Command } from '../state/commands.js';
import { SERF_HEALTH_CHECK, type HealthStatus, type Session } from '../state/records.js';
import type { StateStore } from '../state/store.js';

/** Consul grants a session twice its TTL before the leader ends it. */
export const SESSION_TTL_MULTIPLIER = 2;

export interface LeaderDutiesOptions {
  readonly store: StateStore;
  readonly replicator: Replicator;
  readonly members: MemberView;
  readonly datacenter: string;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Delay before a failed write (session destroy, member reconcile) is tried again. Default 1 s. */
  readonly retryMs?: number;
}

const SERF_OUTPUT: Record<'alive' | 'failed', [HealthStatus, string]> = {
  alive: ['passing', 'Agent alive and reachable'],
  failed: ['critical', 'Agent not live or unreachable'],
};

export class LeaderDuties {
  readonly #o: LeaderDutiesOptions;
  readonly #logger: Logger;
  readonly #sessionTimers = new Map<string, Timer>();
  #unsubscribe: (() => void)[] = [];
  #running = false;
  #reconcileTimer: Timer | undefined;

  constructor(options: LeaderDutiesOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = [
      this.#o.store.listen({
        sessionCreated: (s) => this.#arm(s),
        sessionEnded: (s) => this.#disarm(s.id),
        restored: () => this.#armAll(),
      }),
      this.#o.members.onChange(() => this.#scheduleReconcile(0)),
    ];
    this.#armAll();
    this.#scheduleReconcile(0);
  }

  stop(): void {
    this.#running = false;
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    for (const t of this.#sessionTimers.values()) t.cancel();
    this.#sessionTimers.clear();
    this.#reconcileTimer?.cancel();
  }

  /** Resets the TTL timer of session `id`; false when there is no such session. */
  renew(id: string): boolean {
    const session = this.#o.store.sessions.get(id);
    if (!session) return false;
    if (this.#running) this.#arm(session);
    return true;
  }

  #armAll(): void {
    for (const t of this.#sessionTimers.values()) t.cancel();
    this.#sessionTimers.clear();
    for (const s of this.#o.store.sessions.values()) this.#arm(s);
  }

  #arm(session: Session): void {
    if (!this.#running || session.ttlMs === 0) return;
    this.#sessionTimers.get(session.id)?.cancel();
    this.#sessionTimers.set(session.id, this.#o.clock.after(session.ttlMs * SESSION_TTL_MULTIPLIER, () => this.#expire(session.id)));
  }

  #disarm(id: string): void {
    this.#sessionTimers.get(id)?.cancel();
    this.#sessionTimers.delete(id);
  }

  #expire(id: string): void {
    if (!this.#running || !this.#o.store.sessions.has(id)) return;
    this.#logger.info({ session: id }, 'session TTL expired');
    this.#o.replicator.write({ type: 'session-destroy', id }).catch((error: unknown) => {
      this.#logger.warn({ session: id, err: error }, 'could not end an expired session; retrying');
      if (this.#running) this.#sessionTimers.set(id, this.#o.clock.after(this.#o.retryMs ?? 1000, () => this.#expire(id)));
    });
  }

  /** Brings the catalog in line with membership now; resolves when done (or when it failed and a retry is scheduled). */
  reconcileNow(): Promise<void> {
    return this.#reconcile();
  }

  #scheduleReconcile(delayMs: number): void {
    if (!this.#running || this.#reconcileTimer?.active) return;
    this.#reconcileTimer = this.#o.clock.after(delayMs, () => void this.#reconcile());
  }

  async #reconcile(): Promise<void> {
    try {
      for (const command of reconcileCommands(this.#o.store, this.#o.members.members(), this.#o.members.self().name, this.#o.datacenter)) {
        if (!this.#running) return;
        await this.#o.replicator.write(command);
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'member reconcile failed; retrying');
      this.#scheduleReconcile(this.#o.retryMs ?? 1000);
    }
  }
}

/** The catalog writes that bring each member's node and serfHealth check in line with gossip (none when they already are). */
export function reconcileCommands(store: StateStore, members: readonly Member[], selfName: string, datacenter: string): Command[] {
  const out: Command[] = [];
  for (const m of members) {
    if (m.status === 'left') {
      if (m.name !== selfName && store.catalog.nodes.has(m.name)) out.push({ type: 'deregister', node: m.name });
      continue;
    }
    if (m.status === 'leaving') continue;
    const [status, output] = SERF_OUTPUT[m.status];
    const node = nodeSpecOf(m, datacenter);
    const known = store.catalog.nodes.get(m.name);
    const check = store.catalog.checksOf(m.name).get(SERF_HEALTH_CHECK);
    const nodeCurrent = known && known.id === node.id && known.address === node.address && known.datacenter === datacenter;
    if (nodeCurrent && check?.status === status && check.output === output) continue;
    out.push({
      type: 'register',
      node,
      checks: [{ checkId: SERF_HEALTH_CHECK, name: 'Serf Health Status', status, notes: '', output, serviceId: '', type: '' }],
    });
  }
  return out;
}
