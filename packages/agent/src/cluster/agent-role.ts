// What differs between a server and a client agent, behind one shape the
// agent drives: the replicator, what the HTTP API mounts, reactions to gossip
// and to the housekeeping tick, the steps of a graceful leave, and closing.
// server-role.ts and client-role.ts are the two.

import type { Clock, Logger, Metrics } from '@shoal/kit';
import type { Forwarder } from '../forwarder.js';
import type { MemberView } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import type { StateStore } from '../state/store.js';
import type { AgentTags } from './agent-tags.js';
import type { ClusterTiming } from './cluster-timing.js';
import type { InternalClient } from './internal-client.js';
import type { InternalHandler } from './internal-handler.js';
import type { LeaderChannelOptions } from './leader-channel.js';
import type { ServerDirectory } from './server-directory.js';

export interface AgentRole {
  readonly replicator: Replicator;
  /** Servers: the replicated store. */
  readonly store?: StateStore;
  /** Servers: the internal endpoints. */
  readonly internal?: InternalHandler;
  /** Client agents: forwards requests to servers. */
  readonly forwarder?: Forwarder;
  /** Gossip saw a member change. */
  membersChanged(): void;
  /** The agent's periodic tick. */
  housekeeping(): void;
  /** Servers: whether raft holds any state (advertised in the tags). */
  hasRaftState(): boolean;
  /** Before the gossip leave; resolves with what `afterGossipLeave` gets. */
  beforeGossipLeave(): Promise<{ wasLeader: boolean }>;
  afterGossipLeave(before: { wasLeader: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** What both roles are built from. */
export interface RoleContext {
  readonly name: string;
  readonly datacenter: string;
  readonly timing: ClusterTiming;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly directory: ServerDirectory;
  readonly client: InternalClient;
  /** Gossip's members, this agent included. */
  readonly members: MemberView;
  /** The agent's current tags. */
  readonly tags: () => AgentTags;
}

/** The leader channel's settings common to both roles. */
export function channelSettings(context: RoleContext): Omit<LeaderChannelOptions, 'router' | 'local'> {
  return {
    client: context.client,
    clock: context.clock,
    leaderWaitMs: context.timing.leaderWaitMs,
    // A forwarded apply waits for the leader's own apply timeout, and a little more for the answer.
    requestTimeoutMs: context.timing.applyTimeoutMs + 2_000,
    logger: context.logger,
    metrics: context.metrics,
  };
}
