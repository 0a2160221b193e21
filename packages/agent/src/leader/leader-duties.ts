// What the leader does besides leading raft (Consul's leader loop):
//  - it ends sessions whose TTL ran out (session-timers.ts), and resets a
//    session's timer when it is renewed on any server;
//  - it keeps the raft configuration and the catalog in step with gossip: a
//    reconcile run reads the members and the current state, plans the
//    changes (voter-plan.ts, catalog-plan.ts) and makes them. A run starts
//    on gaining leadership (after a barrier, so the store holds everything
//    committed before), on every member event, periodically, and soon again
//    after a failed run.
// start() on gaining leadership, stop() on losing it. Dev mode runs the same
// duties over a view with one member.

import type { Clock, Logger, Metrics, Timer } from '@shoal/kit';
import { noopMetrics } from '@shoal/kit';
import { RaftState, type Raft } from '@shoal/raft';
import type { MemberView } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import { SingleFlight } from '../single-flight.js';
import type { StateStore } from '../state/store.js';
import { planCatalogWrites } from './catalog-plan.js';
import { SessionTimers } from './session-timers.js';
import { planVoterChanges } from './voter-plan.js';

export interface LeaderDutiesOptions {
  readonly raft: Pick<Raft, 'state' | 'getConfiguration' | 'addVoter' | 'removeServer'>;
  readonly replicator: Replicator;
  readonly store: StateStore;
  /** Gossip's members, this server included (whose name is its raft ID). */
  readonly members: MemberView;
  readonly datacenter: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Period of the reconcile while leading (Consul's reconcile_interval). Default 60 s. */
  readonly intervalMs?: number;
  /** Delay before trying again after a failed reconcile or session destroy. Default 1 s. */
  readonly retryMs?: number;
  /** Longest wait for one raft configuration change. Default 10 s. */
  readonly changeTimeoutMs?: number;
  /** Whether gossip has had time to learn every member, so catalog nodes none accounts for may be reaped. Default: always. */
  readonly membersSettled?: () => boolean;
}

export class LeaderDuties {
  readonly #o: LeaderDutiesOptions;
  readonly #metrics: Metrics;
  readonly #sessions: SessionTimers;
  readonly #flight: SingleFlight;
  #running = false;
  #unsubscribe: (() => void) | undefined;
  #periodic: Timer | undefined;
  #retry: Timer | undefined;

  constructor(options: LeaderDutiesOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#sessions = new SessionTimers({ store: options.store, replicator: options.replicator, clock: options.clock, logger: options.logger, retryMs: options.retryMs ?? 1_000 });
    this.#flight = new SingleFlight(() => this.#reconcile());
  }

  get running(): boolean {
    return this.#running;
  }

  /** On gaining leadership. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#sessions.start();
    this.#unsubscribe = this.#o.members.onChange(() => this.trigger());
    this.#periodic = this.#o.clock.every(this.#o.intervalMs ?? 60_000, () => this.trigger());
    this.trigger();
  }

  /** On losing leadership, and when the server stops. */
  stop(): void {
    this.#running = false;
    this.#sessions.stop();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#periodic?.cancel();
    this.#retry?.cancel();
  }

  /** Restarts session `id`'s TTL; false when there is no such session. */
  renew(id: string): boolean {
    return this.#sessions.renew(id);
  }

  /** Asks for a reconcile run; ignored unless leading. */
  trigger(): void {
    if (this.#running) void this.#flight.request();
  }

  /** Reconciles now; resolves when a run that started after the call is over (a failed one has scheduled its retry). */
  reconcileNow(): Promise<void> {
    return this.#flight.request();
  }

  #stillLeading(): boolean {
    return this.#running && this.#o.raft.state === RaftState.Leader;
  }

  async #reconcile(): Promise<void> {
    if (!this.#stillLeading()) return;
    const { clock, logger } = this.#o;
    const started = clock.now();
    try {
      await this.#o.replicator.barrier();
      await this.#reconcileVoters();
      await this.#reconcileCatalog();
      this.#metrics.addTiming('agent.leader.reconcile', clock.now() - started);
    } catch (error) {
      if (!this.#stillLeading()) return;
      logger.warn({ err: error }, 'agent: leader reconcile failed; trying again shortly');
      this.#metrics.incrCounter('agent.leader.reconcile.failed');
      this.#retry?.cancel();
      this.#retry = clock.after(this.#o.retryMs ?? 1_000, () => this.trigger());
    }
  }

  async #reconcileVoters(): Promise<void> {
    const { raft, datacenter, members, logger } = this.#o;
    const timeoutMs = this.#o.changeTimeoutMs ?? 10_000;
    const { configuration } = await raft.getConfiguration();
    const changes = planVoterChanges({ selfId: members.self().name, datacenter, members: members.members(), configuration });
    for (const change of changes) {
      if (!this.#stillLeading()) return;
      if (change.kind === 'add-voter') {
        logger.info({ server: change.id, address: change.address }, 'agent: adding server as a raft voter');
        await raft.addVoter(change.id, change.address, { timeoutMs });
      } else {
        logger.info({ server: change.id, reason: change.reason }, 'agent: removing server from the raft configuration');
        await raft.removeServer(change.id, { timeoutMs });
      }
    }
  }

  async #reconcileCatalog(): Promise<void> {
    const { replicator, store, datacenter, members, logger } = this.#o;
    const reapAbsent = this.#o.membersSettled?.() ?? true;
    const writes = planCatalogWrites({ datacenter, selfName: members.self().name, members: members.members(), catalog: store.catalog, reapAbsent });
    for (const write of writes) {
      if (!this.#stillLeading()) return;
      logger.debug({ write: write.type, node: write.type === 'register' ? write.node.node : write.type === 'deregister' ? write.node : undefined }, 'agent: catalog reconcile');
      await replicator.write(write);
      this.#metrics.incrCounter('agent.leader.reconcile.write', 1, { type: write.type });
    }
  }
}
