// Public surface of @shoal/agent, listed by name. Everything not exported here is internal.

// Dev mode: one server in one process.
export { startDevAgent, parseHostPort } from './dev-agent.js';
export type { DevAgent, DevAgentOptions } from './dev-agent.js';

// The replicated records, the commands that change them, and the store.
export type { KVEntry, Session, SessionBehavior, CatalogNode, CatalogService, HealthCheck, HealthStatus, RaftIndex } from './state/records.js';
export { SERF_HEALTH_CHECK } from './state/records.js';
export type { Command, CommandType, KVOp, KVVerb, SessionSpec, NodeSpec, ServiceSpec, CheckSpec } from './state/commands.js';
export { StateStore } from './state/store.js';
export type { StateStoreOptions, StoreListener, StoreResult, TxnResult, TxnError } from './state/store.js';
export type { TableName } from './state/tables.js';
export { encodeCommand, decodeCommand, COMMAND_CODEC_VERSION } from './state/codec.js';
export type { Decoded } from './state/codec.js';
export { AgentFsm } from './state/fsm.js';

// The seams the cluster layer implements or uses.
export type { Replicator, WriteResult, LeadershipView } from './replicator.js';
export type { Member, MemberStatus, MemberView } from './member-view.js';
export { singleMemberView, nodeSpecOf } from './member-view.js';
export type { Forwarder } from './forwarder.js';
export { createLeaderApply } from './leader-apply.js';
export type { LeaderApply, LeaderApplyOptions } from './leader-apply.js';
export { SingleNodeReplicator } from './raft-replicator.js';

// This agent's local state and the leader's duties.
export { LocalState, TTL_EXPIRED_OUTPUT } from './local/local-state.js';
export type { LocalCheck } from './local/local-state.js';
export { AntiEntropy } from './local/anti-entropy.js';
export type { AntiEntropyOptions, NodeCatalogView } from './local/anti-entropy.js';
export { LeaderDuties, SESSION_TTL_MULTIPLIER } from './local/leader-duties.js';
export type { LeaderDutiesOptions } from './local/leader-duties.js';
export { LockDelays } from './local/lock-delays.js';

// The HTTP API.
export type { ApiRequest, ApiResponse } from './http/api.js';
export { HttpError } from './http/api.js';
export type { ApiContext, SessionRenewer } from './http/context.js';
export { route } from './http/router.js';
export type { Route, Handler } from './http/router.js';
export { ROUTES } from './http/routes.js';
export { startHttpServer } from './http/real-http-server.js';
export type { HttpServerOptions, RunningHttpServer } from './http/real-http-server.js';

// Errors: each has a stable `code`.
export { StateError, AgentDecodeError, StateInvariantError, NoLeaderError } from './errors.js';

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
export type { AgentMember, MemberStatus as AgentMemberStatus } from './cluster/members.js';
export type { AgentRole, AgentTags } from './cluster/agent-tags.js';
export type { Forwarder as ProxyForwarder } from './cluster/forwarder.js';
// The internal endpoints servers answer for the leader (paths, bodies: cluster/internal-api.ts).
export { INTERNAL_PATH_PREFIX, APPLY_PATH, READ_INDEX_PATH } from './cluster/internal-api.js';
export type { LeaderHint } from './cluster/internal-api.js';
export type { InternalHandler, InternalRequest, InternalResponse } from './cluster/internal-handler.js';
export {
  ClusterError,
  NoLeaderError as ClusterNoLeaderError,
  ForwardOutcomeUnknownError,
  RemoteClusterError,
  TargetUnreachableError,
  BarrierTimeoutError,
} from './cluster/errors.js';
