// A server: its raft over the store, the replicator and internal endpoints
// on it, the leader's side of writes (lock-delay included) and the leader's
// duties, started and stopped as leadership comes and goes, the
// bootstrap-expect check, and the raft side of a graceful leave (a leader
// removes itself first; a follower waits to be removed once the leader sees
// it leave). Dev mode runs this role too, on an in-memory raft of one.

import { sleep } from '@shoal/kit';
import { Observer, type Raft, RaftState, ServerSuffrage } from '@shoal/raft';
import { createLeaderApply } from '../leader/leader-apply.js';
import { LeaderDuties } from '../leader/leader-duties.js';
import type { LockDelays } from '../leader/lock-delays.js';
import type { StateStore } from '../state/store.js';
import { channelSettings, type AgentRole, type RoleContext } from './agent-role.js';
import type { ClusterAgentEvents } from './agent-events.js';
import { ExpectBootstrapper } from './expect-bootstrapper.js';
import { createInternalHandler, type InternalHandler } from './internal-handler.js';
import { LeaderChannel } from './leader-channel.js';
import { RaftLocalLeader } from './raft-leader.js';
import type { RaftNode } from './raft-node.js';
import { serverRouter } from './routers.js';
import { ServerReplicator } from './server-replicator.js';

/** How often a leaving server looks whether the leader has removed it. */
const REMOVAL_POLL_MS = 100;

export type ServerRoleEvents = Pick<ClusterAgentEvents, 'leader' | 'leadership' | 'bootstrapped'>;

export interface ServerRoleParts {
  /** Raft, with an AgentFsm over `store` as its state machine. */
  readonly raftNode: RaftNode;
  readonly store: StateStore;
  /** Listening to `store` (every server keeps them; the leader enforces them). */
  readonly lockDelays: LockDelays;
  readonly bootstrapExpect: number | undefined;
  /** Whether gossip has had time to tell of every member (reaping waits for it). */
  readonly membersSettled: () => boolean;
  readonly events: ServerRoleEvents;
}

export class ServerRole implements AgentRole {
  readonly replicator: ServerReplicator;
  readonly store: StateStore;
  readonly internal: InternalHandler;
  readonly #context: RoleContext;
  readonly #raftNode: RaftNode;
  readonly #duties: LeaderDuties;
  readonly #bootstrapper: ExpectBootstrapper | undefined;
  readonly #events: ServerRoleEvents;
  #observer: Observer | undefined;
  #voterAddresses: readonly string[] = [];
  #closed = false;

  constructor(context: RoleContext, parts: ServerRoleParts) {
    const { timing, directory, name } = context;
    const raft = parts.raftNode.raft;
    this.#context = context;
    this.#raftNode = parts.raftNode;
    this.#events = parts.events;
    this.store = parts.store;
    const local = new RaftLocalLeader({
      raft,
      apply: createLeaderApply({ raft, lockDelays: parts.lockDelays, timeoutMs: timing.applyTimeoutMs }),
      // The duties exist by the time anything is renewed.
      sessions: { renew: (id) => this.#duties.renew(id) },
      directory,
      readTimeoutMs: timing.readTimeoutMs,
    });
    this.internal = createInternalHandler(local);
    this.replicator = new ServerReplicator({
      raft,
      channel: new LeaderChannel({ ...channelSettings(context), router: serverRouter(raft, directory, name), local }),
      clock: context.clock,
      catchUpTimeoutMs: timing.catchUpTimeoutMs,
      voterAddresses: () => this.#voterAddresses,
    });
    this.#duties = new LeaderDuties({
      raft,
      replicator: this.replicator,
      store: parts.store,
      members: context.members,
      datacenter: context.datacenter,
      clock: context.clock,
      logger: context.logger,
      metrics: context.metrics,
      intervalMs: timing.reconcileIntervalMs,
      retryMs: timing.reconcileRetryMs,
      changeTimeoutMs: timing.changeTimeoutMs,
      membersSettled: parts.membersSettled,
    });
    if (parts.bootstrapExpect !== undefined) {
      this.#bootstrapper = new ExpectBootstrapper({
        raft,
        hasState: () => this.hasRaftState(),
        selfName: name,
        selfTags: context.tags,
        members: () => context.members.members(),
        logger: context.logger,
        onBootstrapped: (servers) => parts.events.bootstrapped?.(servers),
      });
    }
  }

  get #raft(): Raft {
    return this.#raftNode.raft;
  }

  /** Starts watching raft for leader changes; call once gossip runs, so the leader's duties see members. */
  start(): void {
    const raft = this.#raft;
    const events = this.#events;
    this.#observer = new Observer({
      filter: (o) => o.data.type === 'leader' || o.data.type === 'peer',
      onObservation: (o) => {
        void this.#refreshVoters();
        if (o.data.type !== 'leader') return;
        const { leaderId, leaderAddr } = o.data;
        events.leader?.({ leader: leaderAddr === '' ? undefined : leaderId || leaderAddr, raftAddress: leaderAddr || undefined, term: raft.currentTerm() });
      },
    });
    raft.registerObserver(this.#observer);
    const observer = this.#observer;
    void (async () => {
      for await (const _ of observer) {
        /* handled by onObservation; draining keeps the buffer from filling */
      }
    })().catch(() => undefined);
    const changes = raft.leadershipChanges();
    void (async () => {
      for await (const leading of changes) this.#leadershipChanged(leading);
    })().catch((err: unknown) => this.#context.logger.error({ err }, 'agent: leadership watch ended'));
    // Leading already (a cluster of one restarting, dev mode): no change will say so.
    if (raft.state === RaftState.Leader) this.#leadershipChanged(true);
    void this.#refreshVoters();
  }

  /** Leader only: brings the catalog and the voters in line with gossip now (leader-duties.ts). */
  reconcileNow(): Promise<void> {
    return this.#duties.reconcileNow();
  }

  /** The leader's duties follow gossip themselves; the bootstrap check looks again. */
  membersChanged(): void {
    this.#checkBootstrap();
  }

  housekeeping(): void {
    void this.#refreshVoters();
    this.#checkBootstrap();
  }

  hasRaftState(): boolean {
    const { hadState, raft } = this.#raftNode;
    return hadState || raft.lastIndex() > 0 || raft.currentTerm() > 0;
  }

  async beforeGossipLeave(): Promise<{ wasLeader: boolean }> {
    const raft = this.#raft;
    if (raft.state !== RaftState.Leader) return { wasLeader: false };
    const { logger, name, timing } = this.#context;
    try {
      const { configuration } = await raft.getConfiguration();
      const voters = configuration.servers.filter((s) => s.suffrage === ServerSuffrage.Voter);
      if (voters.length >= 2 && voters.some((s) => s.id === name)) {
        logger.info('agent: leaving as leader: removing this server from the raft configuration');
        await raft.removeServer(name, { timeoutMs: timing.changeTimeoutMs });
      }
    } catch (error) {
      logger.warn({ err: error }, 'agent: could not remove this server from raft before leaving');
    }
    return { wasLeader: true };
  }

  /** A follower waits (up to leaveDrainMs) for the leader to remove it once it sees the leave. */
  async afterGossipLeave({ wasLeader }: { wasLeader: boolean }): Promise<void> {
    if (wasLeader) return;
    const { clock, timing, name, logger } = this.#context;
    const deadline = clock.now() + timing.leaveDrainMs;
    while (clock.now() < deadline) {
      try {
        const { configuration } = await this.#raft.getConfiguration();
        if (!configuration.servers.some((s) => s.id === name)) return;
      } catch {
        return; // raft shut down
      }
      await sleep(clock, REMOVAL_POLL_MS);
    }
    logger.warn('agent: left gossip, but was not removed from the raft configuration in time');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#duties.stop();
    if (this.#observer !== undefined) this.#raft.deregisterObserver(this.#observer);
    await this.#raftNode.close();
  }

  #leadershipChanged(leading: boolean): void {
    if (this.#closed) return;
    if (leading) this.#duties.start();
    else this.#duties.stop();
    this.#events.leadership?.(leading);
  }

  #checkBootstrap(): void {
    void this.#bootstrapper?.check().catch((err: unknown) => this.#context.logger.error({ err }, 'agent: bootstrap failed'));
  }

  async #refreshVoters(): Promise<void> {
    const raft = this.#raft;
    if (raft.state === RaftState.Shutdown) return;
    try {
      const { configuration } = await raft.getConfiguration();
      this.#voterAddresses = configuration.servers.filter((s) => s.suffrage === ServerSuffrage.Voter).map((s) => s.address);
    } catch (error) {
      this.#context.logger.debug({ err: error }, 'agent: reading the raft configuration');
    }
  }
}
