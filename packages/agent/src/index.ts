// Public surface of @shoal/agent, listed by name. Everything not exported here is internal.

export type { KVEntry, Session, SessionBehavior, CatalogNode, CatalogService, HealthCheck, HealthStatus, RaftIndex } from './state/records.js';
export { SERF_HEALTH_CHECK } from './state/records.js';
export type { Command, CommandType, KVOp, KVVerb, SessionSpec, NodeSpec, ServiceSpec, CheckSpec } from './state/commands.js';
export type { Replicator, WriteResult, LeadershipView } from './replicator.js';

// Cluster mode: gossip, raft discovered through it, the networked Replicator.
export { ClusterAgent } from './cluster/cluster-agent.js';
export type { ClusterAgentOptions, ServerRoleOptions } from './cluster/cluster-agent.js';
export type { ClusterAgentEvents, LeaderChange } from './cluster/agent-events.js';
export type { ServerStore, AgentHttpParts, AgentHttpServer, StartAgentHttp } from './cluster/agent-hooks.js';
export type { CommandEncoder } from './cluster/command-encoder.js';
export type { CatalogView } from './cluster/catalog-plan.js';
export type { GossipOptions } from './cluster/gossip.js';
export type { RaftTls } from './cluster/raft-node.js';
export type { ClusterTiming } from './cluster/cluster-timing.js';
export { DEFAULT_CLUSTER_TIMING } from './cluster/cluster-timing.js';
export type { AgentMember, MemberStatus } from './cluster/members.js';
export type { AgentRole, AgentTags } from './cluster/agent-tags.js';
export type { Forwarder } from './cluster/forwarder.js';
// The internal endpoints servers answer for the leader (paths, bodies: cluster/internal-api.ts).
export { INTERNAL_PATH_PREFIX, APPLY_PATH, READ_INDEX_PATH } from './cluster/internal-api.js';
export type { LeaderHint } from './cluster/internal-api.js';
export type { InternalHandler, InternalRequest, InternalResponse } from './cluster/internal-handler.js';
export {
  ClusterError,
  NoLeaderError,
  ForwardOutcomeUnknownError,
  RemoteClusterError,
  TargetUnreachableError,
  BarrierTimeoutError,
} from './cluster/errors.js';
