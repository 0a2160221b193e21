// An agent in a cluster (Consul's architecture): every agent gossips; servers
// also run raft, discovered through gossip, and replicate the store; client
// agents send writes and reads to the servers. This file assembles the parts
// and runs their lifecycle:
//
//   start: node ID → raft (servers) → replicator → HTTP API → memberlist →
//          join → leader duties and the bootstrap check
//   leave: a leading server removes itself from raft; memberlist leave; a
//          following server waits for the leader to remove it; then stop
//   stop:  timers → memberlist → HTTP → raft and its stores

import { type Clock, createRandom, sleep, type FileSystem, type Logger, type Metrics, noopMetrics, type Random, realClock, silentLogger, type Timer } from '@shoal/kit';
import { finalAdvertiseAddress, joinHostPort, type Memberlist, type Node, splitHostPort } from '@shoal/memberlist';
import { type Config as RaftConfig, Observer, type Raft, RaftState, ServerSuffrage, type Server } from '@shoal/raft';
import type { Replicator } from '../replicator.js';
import type { AgentHttpServer, ServerStore, StartAgentHttp } from './agent-hooks.js';
import { encodeAgentTags, type AgentRole, type AgentTags } from './agent-tags.js';
import { ClientReplicator } from './client-replicator.js';
import { type ClusterTiming, DEFAULT_CLUSTER_TIMING } from './cluster-timing.js';
import type { CommandEncoder } from './command-encoder.js';
import { ExpectBootstrapper } from './expect-bootstrapper.js';
import { type GossipOptions, startGossip } from './gossip.js';
import { createInternalHandler, type InternalHandler } from './internal-handler.js';
import { LeaderChannel } from './leader-channel.js';
import { LeaderDuties } from './leader-duties.js';
import { MemberTracker } from './member-tracker.js';
import { type AgentMember, memberFromNode } from './members.js';
import { RaftLocalLeader } from './raft-leader.js';
import { openRaftNode, type RaftNode, type RaftTls } from './raft-node.js';
import { HttpForwarder } from './real-http-forwarder.js';
import { HttpInternalClient } from './real-internal-client.js';
import { clientRouter, serverRouter } from './routers.js';
import { serverDirectory } from './server-directory.js';
import { ServerReplicator } from './server-replicator.js';
import { loadOrCreateNodeId } from './node-id.js';

export interface ServerRoleOptions {
  /** "host:port" raft listens on. */
  readonly raftBind: string;
  /** "host:port" other servers dial; default the bound address, or the gossip advertise host with the bound port for a wildcard bind. */
  readonly raftAdvertise?: string;
  /** Mutual TLS between servers; plain TCP without. */
  readonly tls?: RaftTls;
  /** Bootstrap raft once this many servers (this one included) find each other. */
  readonly bootstrapExpect?: number;
  readonly store: ServerStore;
  /** Overrides of raft's defaults (timeouts in tests). */
  readonly raftConfig?: Partial<RaftConfig>;
}

export interface LeaderChange {
  /** The leader's node name; undefined while there is none. */
  readonly leader: string | undefined;
  readonly raftAddress: string | undefined;
  readonly term: number;
}

export interface ClusterAgentEvents {
  /** A server's raft saw a new leader, or lost it. */
  readonly leader?: (change: LeaderChange) => void;
  /** This server gained (true) or lost (false) leadership. */
  readonly leadership?: (leading: boolean) => void;
  /** Gossip saw an agent join, fail, leave or change its tags. */
  readonly member?: (member: AgentMember) => void;
  /** This server bootstrapped raft with these voters. */
  readonly bootstrapped?: (servers: readonly Server[]) => void;
}

export interface ClusterAgentOptions {
  /** The node name: unique in the cluster; a server's raft ID. */
  readonly name: string;
  /** Default "dc1". */
  readonly datacenter?: string;
  /** The data directory: the node ID, and raft's stores on servers. */
  readonly dataFs: FileSystem;
  readonly gossip: GossipOptions;
  /** Agents to join through ("host:port"); none starts a cluster of one. */
  readonly join?: readonly string[];
  /** Present on servers. */
  readonly server?: ServerRoleOptions;
  readonly encoder: CommandEncoder;
  readonly http: StartAgentHttp;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly timing?: Partial<ClusterTiming>;
  readonly events?: ClusterAgentEvents;
}

/** How often a leaving server looks whether the leader has removed it. */
const REMOVAL_POLL_MS = 100;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** `address` as others should dial it: a wildcard host becomes `host`. */
function advertisable(address: string, host: string): string {
  const hostPort = splitHostPort(address);
  if (hostPort === undefined || !WILDCARD_HOSTS.has(hostPort.host)) return address;
  return joinHostPort(host, hostPort.port);
}

export class ClusterAgent {
  readonly name: string;
  readonly role: AgentRole;
  readonly datacenter: string;
  readonly replicator: Replicator;
  /** Servers: the internal endpoints' handler (also given to the HTTP hook). */
  readonly internalHandler: InternalHandler | undefined;
  readonly #options: ClusterAgentOptions;
  readonly #timing: ClusterTiming;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #tracker: MemberTracker;
  readonly #raftNode: RaftNode | undefined;
  readonly #duties: LeaderDuties | undefined;
  readonly #bootstrapper: ExpectBootstrapper | undefined;
  readonly #forwarder: HttpForwarder | undefined;
  readonly #startedAt: number;
  #tags: AgentTags;
  #http: AgentHttpServer | undefined;
  #list: Memberlist | undefined;
  #tick: Timer | undefined;
  #observer: Observer | undefined;
  #voterAddresses: readonly string[] = [];
  #stopped: Promise<void> | undefined;

  private constructor(options: ClusterAgentOptions, parts: { nodeId: string; advertiseHost: string; raftNode: RaftNode | undefined }) {
    this.#options = options;
    this.name = options.name;
    this.role = options.server !== undefined ? 'server' : 'client';
    this.datacenter = options.datacenter ?? 'dc1';
    this.#timing = { ...DEFAULT_CLUSTER_TIMING, ...options.timing };
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? silentLogger;
    const metrics = options.metrics ?? noopMetrics;
    this.#tracker = new MemberTracker(this.#timing.reconnectTimeoutMs);
    this.#raftNode = parts.raftNode;
    this.#startedAt = this.#clock.now();
    this.#tags = {
      role: this.role,
      datacenter: this.datacenter,
      nodeId: parts.nodeId,
      httpAddress: '',
      ...(parts.raftNode !== undefined ? { raftAddress: parts.raftNode.address, hasRaftState: parts.raftNode.hadState } : {}),
      ...(options.server?.bootstrapExpect !== undefined ? { bootstrapExpect: options.server.bootstrapExpect } : {}),
    };
    const directory = serverDirectory(() => this.members(), this.datacenter);
    const client = new HttpInternalClient(this.#clock);
    const channelOptions = {
      client,
      clock: this.#clock,
      leaderWaitMs: this.#timing.leaderWaitMs,
      // A forwarded apply waits for the leader's own apply timeout, and a little more for the answer.
      requestTimeoutMs: this.#timing.applyTimeoutMs + 2_000,
      logger: this.#logger,
      metrics,
    };
    const raft = parts.raftNode?.raft;
    if (raft === undefined) {
      const channel = new LeaderChannel({ ...channelOptions, router: clientRouter(directory) });
      this.replicator = new ClientReplicator(options.encoder, channel, directory);
      this.#forwarder = new HttpForwarder({ directory, clock: this.#clock, logger: this.#logger, metrics });
      return;
    }
    const local = new RaftLocalLeader({ raft, directory, applyTimeoutMs: this.#timing.applyTimeoutMs, readTimeoutMs: this.#timing.readTimeoutMs });
    this.internalHandler = createInternalHandler(local);
    const channel = new LeaderChannel({ ...channelOptions, router: serverRouter(raft, directory, this.name), local });
    this.replicator = new ServerReplicator({
      raft,
      encoder: options.encoder,
      channel,
      clock: this.#clock,
      catchUpTimeoutMs: this.#timing.catchUpTimeoutMs,
      voterAddresses: () => this.#voterAddresses,
    });
    this.#duties = new LeaderDuties({
      raft,
      replicator: this.replicator,
      catalog: options.server!.store.catalog,
      members: () => this.members(),
      selfName: this.name,
      datacenter: this.datacenter,
      clock: this.#clock,
      logger: this.#logger,
      metrics,
      intervalMs: this.#timing.reconcileIntervalMs,
      retryMs: this.#timing.reconcileRetryMs,
      changeTimeoutMs: this.#timing.changeTimeoutMs,
      membersSettled: () => this.#clock.now() - this.#startedAt >= this.#timing.reapSettleMs,
    });
    if (options.server!.bootstrapExpect !== undefined) {
      this.#bootstrapper = new ExpectBootstrapper({
        raft,
        hasState: () => this.#raftHasState(),
        selfName: this.name,
        selfTags: () => this.#tags,
        members: () => this.members(),
        logger: this.#logger,
        onBootstrapped: (servers) => {
          this.#refreshTags();
          options.events?.bootstrapped?.(servers);
        },
      });
    }
  }

  /** Starts an agent; rejects (with everything it started stopped again) when any part fails. */
  static async start(options: ClusterAgentOptions): Promise<ClusterAgent> {
    const clock = options.clock ?? realClock;
    const random = options.random ?? createRandom();
    const logger = options.logger ?? silentLogger;
    const nodeId = await loadOrCreateNodeId(options.dataFs, random);
    const { bind, advertise } = options.gossip;
    const advertiseHost = finalAdvertiseAddress(advertise?.host, advertise?.port, bind.host, bind.port).host;
    let raftNode: RaftNode | undefined;
    if (options.server !== undefined) {
      const { raftBind, raftAdvertise } = options.server;
      const wildcard = WILDCARD_HOSTS.has(splitHostPort(raftBind)?.host ?? '');
      raftNode = await openRaftNode({
        id: options.name,
        fs: options.dataFs,
        bind: raftBind,
        advertise: raftAdvertise ?? (wildcard ? advertisable(raftBind, advertiseHost) : undefined),
        tls: options.server.tls,
        fsm: options.server.store.fsm,
        clock,
        random,
        logger: logger.child({ component: 'raft' }),
        metrics: options.metrics ?? noopMetrics,
        config: options.server.raftConfig,
      });
    }
    const agent = new ClusterAgent(options, { nodeId, advertiseHost, raftNode });
    try {
      await agent.#startNetwork(advertiseHost, random);
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  async #startNetwork(advertiseHost: string, random: Random): Promise<void> {
    const options = this.#options;
    this.#http = await options.http({
      replicator: this.replicator,
      ...(this.internalHandler !== undefined ? { internal: this.internalHandler } : {}),
      ...(this.#forwarder !== undefined ? { forwarder: this.#forwarder } : {}),
      members: () => this.members(),
    });
    this.#tags = { ...this.#tags, httpAddress: advertisable(this.#http.address, advertiseHost) };
    const list = await startGossip(options.gossip, {
      name: this.name,
      meta: () => encodeAgentTags(this.#tags),
      clock: this.#clock,
      random,
      logger: this.#logger.child({ component: 'memberlist' }),
      metrics: options.metrics ?? noopMetrics,
    });
    this.#list = list;
    for (const event of ['join', 'leave', 'update'] as const) list.on(event, (node) => this.#observe(node));
    this.#syncMembers();
    if (options.join !== undefined && options.join.length > 0) await list.join(options.join);
    this.#tick = this.#clock.every(this.#timing.tickMs, () => this.#housekeeping());
    this.#watchRaft();
    this.#housekeeping();
  }

  /** The addresses this agent listens on, as others reach them. */
  get addresses(): { gossip: string; http: string; raft?: string } {
    return {
      gossip: this.#list?.localNode().address ?? '',
      http: this.#tags.httpAddress,
      ...(this.#tags.raftAddress !== undefined ? { raft: this.#tags.raftAddress } : {}),
    };
  }

  /** Servers: this server's raft. */
  get raft(): Raft | undefined {
    return this.#raftNode?.raft;
  }

  /** Every agent gossip knows of, with failed and left ones remembered (member-tracker.ts). */
  members(): AgentMember[] {
    return this.#tracker.members(this.#clock.now());
  }

  /**
   * Leaves the cluster gracefully, then stops: the other agents see it leave
   * (not fail), so the leader removes it from raft and from the catalog.
   */
  async leave(): Promise<void> {
    if (this.#stopped !== undefined) return this.#stopped;
    const raft = this.#raftNode?.raft;
    const wasLeader = raft?.state === RaftState.Leader;
    if (raft !== undefined && wasLeader) await this.#removeSelfAsLeader(raft);
    try {
      await this.#list?.leave(this.#timing.leaveBroadcastMs);
    } catch (error) {
      this.#logger.warn({ err: error }, 'agent: leave broadcast did not complete');
    }
    if (raft !== undefined && !wasLeader) await this.#awaitRemoval(raft);
    await this.stop();
  }

  /** Stops without leaving: to the cluster this agent has failed. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#tick?.cancel();
    this.#duties?.stop();
    if (this.#observer !== undefined) this.#raftNode?.raft.deregisterObserver(this.#observer);
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['memberlist', this.#list && (() => this.#list!.shutdown())],
      ['http', this.#http && (() => this.#http!.close())],
      ['forwarder', this.#forwarder && (async () => this.#forwarder!.close())],
      ['raft', this.#raftNode && (() => this.#raftNode!.close())],
    ];
    for (const [part, step] of steps) {
      if (step === undefined) continue;
      try {
        await step();
      } catch (error) {
        this.#logger.warn({ err: error, part }, 'agent: error while stopping');
      }
    }
  }

  async #removeSelfAsLeader(raft: Raft): Promise<void> {
    try {
      const { configuration } = await raft.getConfiguration();
      const voters = configuration.servers.filter((s) => s.suffrage === ServerSuffrage.Voter);
      if (voters.length < 2 || !voters.some((s) => s.id === this.name)) return;
      this.#logger.info('agent: leaving as leader: removing this server from the raft configuration');
      await raft.removeServer(this.name, { timeoutMs: this.#timing.changeTimeoutMs });
    } catch (error) {
      this.#logger.warn({ err: error }, 'agent: could not remove this server from raft before leaving');
    }
  }

  /** Waits (up to leaveDrainMs) for the leader to remove this server once it sees the leave. */
  async #awaitRemoval(raft: Raft): Promise<void> {
    const deadline = this.#clock.now() + this.#timing.leaveDrainMs;
    while (this.#clock.now() < deadline) {
      try {
        const { configuration } = await raft.getConfiguration();
        if (!configuration.servers.some((s) => s.id === this.name)) return;
      } catch {
        return;
      }
      await sleep(this.#clock, REMOVAL_POLL_MS);
    }
    this.#logger.warn('agent: left gossip, but was not removed from the raft configuration in time');
  }

  #observe(node: Node): void {
    const member = memberFromNode(node);
    if (member === undefined) return;
    this.#tracker.observe(member, this.#clock.now());
    this.#options.events?.member?.(member);
    this.#duties?.trigger();
    void this.#bootstrapper?.check().catch((err: unknown) => this.#logger.error({ err }, 'agent: bootstrap failed'));
  }

  /** Catches what events may have missed (this node's own join, which happens before listeners exist). */
  #syncMembers(): void {
    const now = this.#clock.now();
    for (const { node } of this.#list?.allNodes() ?? []) {
      const member = memberFromNode(node);
      if (member !== undefined) this.#tracker.observe(member, now);
    }
  }

  #housekeeping(): void {
    this.#syncMembers();
    this.#refreshTags();
    void this.#refreshVoters();
    void this.#bootstrapper?.check().catch((err: unknown) => this.#logger.error({ err }, 'agent: bootstrap failed'));
  }

  #raftHasState(): boolean {
    const node = this.#raftNode;
    if (node === undefined) return false;
    return node.hadState || node.raft.lastIndex() > 0 || node.raft.currentTerm() > 0;
  }

  /** Advertises that raft now holds state, once it does. */
  #refreshTags(): void {
    if (this.#raftNode === undefined || this.#tags.hasRaftState === true || !this.#raftHasState()) return;
    this.#tags = { ...this.#tags, hasRaftState: true };
    this.#list?.updateNode(this.#timing.leaveBroadcastMs).catch((err: unknown) => this.#logger.debug({ err }, 'agent: tag update broadcast'));
  }

  async #refreshVoters(): Promise<void> {
    const raft = this.#raftNode?.raft;
    if (raft === undefined || raft.state === RaftState.Shutdown) return;
    try {
      const { configuration } = await raft.getConfiguration();
      this.#voterAddresses = configuration.servers.filter((s) => s.suffrage === ServerSuffrage.Voter).map((s) => s.address);
    } catch (error) {
      this.#logger.debug({ err: error }, 'agent: reading the raft configuration');
    }
  }

  #watchRaft(): void {
    const raft = this.#raftNode?.raft;
    if (raft === undefined) return;
    const events = this.#options.events;
    this.#observer = new Observer({
      filter: (o) => o.data.type === 'leader' || o.data.type === 'peer',
      onObservation: (o) => {
        void this.#refreshVoters();
        if (o.data.type !== 'leader') return;
        const { leaderId, leaderAddr } = o.data;
        events?.leader?.({ leader: leaderAddr === '' ? undefined : leaderId || leaderAddr, raftAddress: leaderAddr || undefined, term: raft.currentTerm() });
      },
    });
    raft.registerObserver(this.#observer);
    void (async () => {
      for await (const _ of this.#observer!) {
        /* handled by onObservation; draining keeps the buffer from filling */
      }
    })().catch(() => undefined);
    void (async () => {
      for await (const leading of raft.leadershipChanges()) {
        this.#duties?.leadershipChanged(leading);
        events?.leadership?.(leading);
      }
    })().catch((err: unknown) => this.#logger.error({ err }, 'agent: leadership watch ended'));
    if (raft.state === RaftState.Leader) {
      this.#duties?.leadershipChanged(true);
      events?.leadership?.(true);
    }
  }
}
