// What the leader does besides leading raft (Consul's leader loop): it keeps
// the raft configuration and the catalog in step with gossip. A run reads
// the members and the current state, plans the changes (voter-plan.ts,
// catalog-plan.ts) and makes them; it starts on gaining leadership (after a
// barrier, so the store holds everything committed before), on every member
// event, periodically, and soon again after a failed run.

import type { Clock, Logger, Metrics, Timer } from '@shoal/kit';
import { RaftState, type Raft } from '@shoal/raft';
import type { Replicator } from '../replicator.js';
import { planCatalogWrites, type CatalogView } from './catalog-plan.js';
import type { AgentMember } from './members.js';
import { SingleFlight } from './single-flight.js';
import { planVoterChanges } from './voter-plan.js';

export interface LeaderDutiesOptions {
  readonly raft: Pick<Raft, 'state' | 'getConfiguration' | 'addVoter' | 'removeServer'>;
  readonly replicator: Replicator;
  readonly catalog: CatalogView;
  /** Tracked members (member-tracker.ts), this server included. */
  readonly members: () => readonly AgentMember[];
  readonly selfName: string;
  readonly datacenter: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Period of the reconcile while leading (Consul's reconcile_interval, 60 s). */
  readonly intervalMs: number;
  /** Delay before trying again after a run failed. */
  readonly retryMs: number;
  /** Longest wait for one configuration change. */
  readonly changeTimeoutMs: number;
  /** Whether gossip has had time to learn every member, so nodes none accounts for may be reaped. */
  readonly membersSettled: () => boolean;
}

export class LeaderDuties {
  readonly #options: LeaderDutiesOptions;
  readonly #flight: SingleFlight;
  #leading = false;
  #stopped = false;
  #periodic: Timer | undefined;
  #retry: Timer | undefined;

  constructor(options: LeaderDutiesOptions) {
    this.#options = options;
    this.#flight = new SingleFlight(() => this.#run());
  }

  /** Told of every leadership change of this server. */
  leadershipChanged(leading: boolean): void {
    if (this.#stopped) return;
    this.#leading = leading;
    this.#periodic?.cancel();
    this.#periodic = undefined;
    if (!leading) return;
    this.#periodic = this.#options.clock.every(this.#options.intervalMs, () => this.trigger());
    this.trigger();
  }

  /** Asks for a run (a member joined, failed, left or changed); ignored unless leading. */
  trigger(): void {
    if (this.#leading && !this.#stopped) void this.#flight.request();
  }

  /** Resolves once the run in progress, if any, is over. */
  idle(): Promise<void> {
    return this.#flight.idle();
  }

  stop(): void {
    this.#stopped = true;
    this.#leading = false;
    this.#periodic?.cancel();
    this.#retry?.cancel();
  }

  #stillLeading(): boolean {
    return this.#leading && !this.#stopped && this.#options.raft.state === RaftState.Leader;
  }

  async #run(): Promise<void> {
    if (!this.#stillLeading()) return;
    const { clock, logger, metrics } = this.#options;
    const started = clock.now();
    try {
      await this.#options.replicator.barrier();
      await this.#reconcileVoters();
      await this.#reconcileCatalog();
      metrics.addTiming('agent.leader.reconcile', clock.now() - started);
    } catch (error) {
      if (!this.#stillLeading()) return;
      logger.warn({ err: error }, 'agent: leader reconcile failed; trying again shortly');
      metrics.incrCounter('agent.leader.reconcile.failed');
      this.#retry?.cancel();
      this.#retry = clock.after(this.#options.retryMs, () => this.trigger());
    }
  }

  async #reconcileVoters(): Promise<void> {
    const { raft, selfName, datacenter, members, logger, changeTimeoutMs } = this.#options;
    const { configuration } = await raft.getConfiguration();
    const changes = planVoterChanges({ selfId: selfName, datacenter, members: members(), configuration });
    for (const change of changes) {
      if (!this.#stillLeading()) return;
      if (change.kind === 'add-voter') {
        logger.info({ server: change.id, address: change.address }, 'agent: adding server as a raft voter');
        await raft.addVoter(change.id, change.address, { timeoutMs: changeTimeoutMs });
      } else {
        logger.info({ server: change.id, reason: change.reason }, 'agent: removing server from the raft configuration');
        await raft.removeServer(change.id, { timeoutMs: changeTimeoutMs });
      }
    }
  }

  async #reconcileCatalog(): Promise<void> {
    const { replicator, catalog, selfName, datacenter, members, logger, metrics, membersSettled } = this.#options;
    const writes = planCatalogWrites({ datacenter, selfName, members: members(), catalog, reapAbsent: membersSettled() });
    for (const write of writes) {
      if (!this.#stillLeading()) return;
      logger.debug({ write: write.type, node: write.type === 'register' ? write.node.node : write.type === 'deregister' ? write.node : undefined }, 'agent: catalog reconcile');
      await replicator.write(write);
      metrics.incrCounter('agent.leader.reconcile.write', 1, { type: write.type });
    }
  }
}
