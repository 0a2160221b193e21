// An agent in a cluster (Consul's architecture): every agent gossips and
// serves the HTTP API with its own services and checks; servers also run
// raft over the store, discovered through gossip (server-role.ts); client
// agents send writes to the leader and requests for the store to a server
// (client-role.ts). This file assembles them and runs their lifecycle:
//
//   start: node ID → store and raft (servers) → replicator → HTTP API →
//          memberlist → join → leader duties, the bootstrap check, the
//          housekeeping tick, anti-entropy
//   leave: a leading server removes itself from raft; memberlist leave; a
//          following server waits for the leader to remove it; then stop
//   stop:  timers → anti-entropy → memberlist → HTTP → the role (raft and
//          its stores)

import { type Clock, createRandom, type FileSystem, type Logger, type Metrics, noopMetrics, type Random, realClock, silentLogger, type Timer } from '@shoal/kit';
import { finalAdvertiseAddress, joinHostPort, type Memberlist, type Node, splitHostPort } from '@shoal/memberlist';
import { type Config as RaftConfig, type Raft, RaftState } from '@shoal/raft';
import { startAgentApi, type AgentApi } from '../agent-api.js';
import type { MetricsText, RaftView } from '../http/context.js';
import { LockDelays } from '../leader/lock-delays.js';
import type { Member } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import { AgentFsm } from '../state/fsm.js';
import { StateStore } from '../state/store.js';
import type { ClusterAgentEvents } from './agent-events.js';
import type { AgentRole as AgentRoleName, AgentTags } from './agent-tags.js';
import { encodeAgentTags } from './agent-tags.js';
import type { AgentRole, RoleContext } from './agent-role.js';
import { clientRole } from './client-role.js';
import { type ClusterTiming, DEFAULT_CLUSTER_TIMING } from './cluster-timing.js';
import { type GossipOptions, startGossip } from './gossip.js';
import { GossipMembers } from './gossip-members.js';
import { HealthScorePublisher } from './health-score-publisher.js';
import { fetchLeaderRaft } from './leader-raft-fetch.js';
import { loadOrCreateNodeId } from './node-id.js';
import { raftViewOf } from '../http/ui-handlers.js';
import { openRaftNode, type RaftNode, type RaftTls } from './raft-node.js';
import { BatchingInternalClient } from './batching-internal-client.js';
import { HttpInternalClient } from './real-internal-client.js';
import { serverDirectory } from './server-directory.js';
import { ServerRole } from './server-role.js';

export interface ServerRoleOptions {
  /** "host:port" raft listens on. */
  readonly raftBind: string;
  /** "host:port" other servers dial; default the bound address, or the gossip advertise host with the bound port for a wildcard bind. */
  readonly raftAdvertise?: string;
  /** Mutual TLS between servers; plain TCP without. */
  readonly tls?: RaftTls;
  /** Bootstrap raft once this many servers (this one included) find each other. */
  readonly bootstrapExpect?: number;
  /** Overrides of raft's defaults (timeouts in tests). */
  readonly raftConfig?: Partial<RaftConfig>;
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
  /** "host:port" the HTTP API listens on (port 0: any free port); a wildcard host is advertised as the gossip one. */
  readonly http: string;
  /** Prometheus text of `metrics`, served at /v1/agent/metrics?format=prometheus. */
  readonly metricsText?: MetricsText;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly timing?: Partial<ClusterTiming>;
  readonly events?: ClusterAgentEvents;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** Longest a follower waits for its leader's raft view (the dashboard asks each second). */
const LEADER_VIEW_TIMEOUT_MS = 2_000;

/** memberlist's Lifeguard awareness starts every node healthy. */
const INITIAL_HEALTH_SCORE = 0;

/** `address` as others should dial it: a wildcard host becomes `host`. */
function advertisable(address: string, host: string): string {
  const hostPort = splitHostPort(address);
  if (hostPort === undefined || !WILDCARD_HOSTS.has(hostPort.host)) return address;
  return joinHostPort(host, hostPort.port);
}

/** A server's store, as its raft's state machine sees it and as the leader enforces lock-delay on it. */
interface ServerState {
  readonly store: StateStore;
  readonly lockDelays: LockDelays;
  readonly raftNode: RaftNode;
}

export class ClusterAgent {
  readonly name: string;
  readonly datacenter: string;
  readonly #options: ClusterAgentOptions;
  readonly #timing: ClusterTiming;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #members: GossipMembers;
  readonly #raftNode: RaftNode | undefined;
  readonly #role: AgentRole;
  readonly #startedAt: number;
  readonly #healthScore: HealthScorePublisher;
  #tags: AgentTags;
  #api: AgentApi | undefined;
  #list: Memberlist | undefined;
  #tick: Timer | undefined;
  #stopped: Promise<void> | undefined;
  readonly #internalClient: HttpInternalClient;

  private constructor(options: ClusterAgentOptions, nodeId: string, advertiseHost: string, random: Random, server: ServerState | undefined) {
    const raftNode = server?.raftNode;
    this.#options = options;
    this.name = options.name;
    this.datacenter = options.datacenter ?? 'dc1';
    this.#timing = { ...DEFAULT_CLUSTER_TIMING, ...options.timing };
    this.#clock = options.clock ?? realClock;
    this.#random = random;
    this.#logger = options.logger ?? silentLogger;
    this.#members = new GossipMembers({
      selfName: this.name,
      selfTags: () => this.#tags,
      selfBeforeGossip: () => ({ name: this.name, address: advertiseHost, port: options.gossip.advertise?.port ?? options.gossip.bind.port, status: 'alive', tags: this.#tags }),
      clock: this.#clock,
      reconnectTimeoutMs: this.#timing.reconnectTimeoutMs,
    });
    this.#raftNode = raftNode;
    this.#startedAt = this.#clock.now();
    this.#tags = {
      role: raftNode !== undefined ? 'server' : 'client',
      datacenter: this.datacenter,
      nodeId,
      httpAddress: '',
      ...(raftNode !== undefined ? { raftAddress: raftNode.address, hasRaftState: raftNode.hadState } : {}),
      ...(options.server?.bootstrapExpect !== undefined ? { bootstrapExpect: options.server.bootstrapExpect } : {}),
      healthScore: INITIAL_HEALTH_SCORE,
    };
    this.#healthScore = new HealthScorePublisher(
      {
        clock: this.#clock,
        minIntervalMs: this.#timing.healthScorePublishMs,
        score: () => this.#list?.healthScore(),
        publish: (healthScore) => {
          this.#tags = { ...this.#tags, healthScore };
          this.#advertiseTags();
        },
      },
      INITIAL_HEALTH_SCORE,
    );
    const context: RoleContext = {
      name: this.name,
      datacenter: this.datacenter,
      timing: this.#timing,
      clock: this.#clock,
      logger: this.#logger,
      metrics: options.metrics ?? noopMetrics,
      directory: serverDirectory(() => this.#members.members(), this.datacenter),
      client: new BatchingInternalClient((this.#internalClient = new HttpInternalClient(this.#clock))),
      members: this.#members,
      tags: () => this.#tags,
    };
    const events = options.events ?? {};
    this.#role =
      server === undefined
        ? clientRole(context)
        : new ServerRole(context, {
            raftNode: server.raftNode,
            store: server.store,
            lockDelays: server.lockDelays,
            bootstrapExpect: options.server?.bootstrapExpect,
            membersSettled: () => this.#clock.now() - this.#startedAt >= this.#timing.reapSettleMs,
            events: {
              ...events,
              bootstrapped: (servers) => {
                this.#refreshTags();
                events.bootstrapped?.(servers);
              },
            },
          });
  }

  /** Starts an agent; rejects (with everything it started stopped again) when any part fails. */
  static async start(options: ClusterAgentOptions): Promise<ClusterAgent> {
    const clock = options.clock ?? realClock;
    const random = options.random ?? createRandom();
    const logger = options.logger ?? silentLogger;
    const nodeId = await loadOrCreateNodeId(options.dataFs, random);
    const { bind, advertise } = options.gossip;
    const advertiseHost = finalAdvertiseAddress(advertise?.host, advertise?.port, bind.host, bind.port).host;
    let server: ServerState | undefined;
    if (options.server !== undefined) {
      const { raftBind, raftAdvertise } = options.server;
      const wildcard = WILDCARD_HOSTS.has(splitHostPort(raftBind)?.host ?? '');
      const store = new StateStore();
      // Every server keeps lock-delays, so whichever leads next enforces them.
      const lockDelays = new LockDelays(clock);
      store.listen(lockDelays);
      const raftNode = await openRaftNode({
        id: options.name,
        fs: options.dataFs,
        bind: raftBind,
        advertise: raftAdvertise ?? (wildcard ? advertisable(raftBind, advertiseHost) : undefined),
        tls: options.server.tls,
        fsm: new AgentFsm(store),
        clock,
        random,
        logger: logger.child({ component: 'raft' }),
        metrics: options.metrics ?? noopMetrics,
        config: options.server.raftConfig,
      });
      server = { store, lockDelays, raftNode };
    }
    const agent = new ClusterAgent(options, nodeId, advertiseHost, random, server);
    try {
      await agent.#startNetwork(advertiseHost);
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  async #startNetwork(advertiseHost: string): Promise<void> {
    const options = this.#options;
    const role = this.#role;
    this.#api = await startAgentApi({
      http: options.http,
      members: this.#members,
      replicator: role.replicator,
      ...(role.store !== undefined ? { store: role.store } : {}),
      ...(role.internal !== undefined ? { internal: role.internal } : {}),
      ...(role.forwarder !== undefined ? { forwarder: role.forwarder } : {}),
      ...(options.metricsText !== undefined ? { metricsText: options.metricsText } : {}),
      ui: {
        healthScore: () => this.#list?.healthScore(),
        ...(this.raft !== undefined ? { raft: () => raftViewOf(this.raft!), leaderRaft: (signal: AbortSignal) => this.#leaderRaft(this.raft!, signal) } : {}),
      },
      ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
      clock: this.#clock,
      random: this.#random.fork(),
      logger: this.#logger,
    });
    this.#tags = { ...this.#tags, httpAddress: advertisable(this.#api.address, advertiseHost) };
    const list = await startGossip(options.gossip, {
      name: this.name,
      meta: () => encodeAgentTags(this.#tags),
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger.child({ component: 'memberlist' }),
      metrics: options.metrics ?? noopMetrics,
    });
    this.#list = list;
    for (const event of ['join', 'leave', 'update'] as const) list.on(event, (node) => this.#observe(node));
    this.#members.sync(list.allNodes().map((n) => n.node));
    if (options.join !== undefined && options.join.length > 0) await list.join(options.join);
    this.#tick = this.#clock.every(this.#timing.tickMs, () => this.#housekeeping());
    if (role instanceof ServerRole) role.start();
    this.#housekeeping();
    this.#api.antiEntropy.start();
  }

  get role(): AgentRoleName {
    return this.#tags.role;
  }

  get replicator(): Replicator {
    return this.#role.replicator;
  }

  /** Servers: the replicated store. */
  get store(): StateStore | undefined {
    return this.#role.store;
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
  members(): Member[] {
    return this.#members.members();
  }

  /**
   * Leaves the cluster gracefully, then stops: the other agents see it leave
   * (not fail), so the leader removes it from raft and from the catalog.
   */
  async leave(): Promise<void> {
    if (this.#stopped !== undefined) return this.#stopped;
    const before = await this.#role.beforeGossipLeave();
    try {
      await this.#list?.leave(this.#timing.leaveBroadcastMs);
    } catch (error) {
      this.#logger.warn({ err: error }, 'agent: leave broadcast did not complete');
    }
    await this.#role.afterGossipLeave(before);
    await this.stop();
  }

  /** Stops without leaving: to the cluster this agent has failed. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#tick?.cancel();
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['memberlist', this.#list && (() => this.#list!.shutdown())],
      ['http', this.#api && (() => this.#api!.close())],
      ['role', () => this.#role.close()],
      ['internal client', () => Promise.resolve(this.#internalClient.close())],
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

  #observe(node: Node): void {
    const observed = this.#members.observe(node);
    if (observed === undefined) return;
    this.#options.events?.member?.(observed.member);
    if (observed.changed) this.#role.membersChanged();
  }

  #housekeeping(): void {
    this.#members.sync((this.#list?.allNodes() ?? []).map((n) => n.node));
    this.#refreshTags();
    this.#healthScore.sample();
    this.#role.housekeeping();
  }

  /** Advertises that raft now holds state, once it does. */
  #refreshTags(): void {
    if (this.#tags.hasRaftState !== false || !this.#role.hasRaftState()) return;
    this.#tags = { ...this.#tags, hasRaftState: true };
    this.#advertiseTags();
  }

  /** The leader's raft view: this server's own when it leads, else asked of the leader over HTTP. */
  async #leaderRaft(raft: Raft, signal: AbortSignal): Promise<RaftView | undefined> {
    if (raft.state === RaftState.Leader) return raftViewOf(raft);
    const { id, address } = raft.leaderWithId();
    const leader = serverDirectory(() => this.#members.members(), this.datacenter).serverByRaft(id, address);
    if (leader === undefined || leader.tags.httpAddress === '') return undefined;
    return fetchLeaderRaft(leader.tags.httpAddress, this.#clock, LEADER_VIEW_TIMEOUT_MS, signal);
  }

  /** Gossips the current tags (memberlist reads them back through the meta delegate). */
  #advertiseTags(): void {
    this.#list?.updateNode(this.#timing.leaveBroadcastMs).catch((err: unknown) => this.#logger.debug({ err }, 'agent: tag update broadcast'));
  }
}
