// Public surface of @shoal/agent, listed by name. Everything not exported here is internal.

// Dev mode: one server in one process.
export { startDevAgent } from './dev-agent.js';
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

// The seams between the API and what replicates, gossips and forwards.
export type { Replicator, WriteResult, LeadershipView } from './replicator.js';
export type { Member, MemberStatus, MemberView } from './member-view.js';
export { singleMemberView, nodeSpecOf } from './member-view.js';
export type { Forwarder } from './forwarder.js';

// This agent's local state, and the leader's side of writes and duties.
export { LocalState, TTL_EXPIRED_OUTPUT } from './local/local-state.js';
export type { LocalCheck } from './local/local-state.js';
export { AntiEntropy } from './local/anti-entropy.js';
export type { AntiEntropyOptions, NodeCatalogView } from './local/anti-entropy.js';
export { createLeaderApply, appliedResult } from './leader/leader-apply.js';
export type { LeaderApply, LeaderApplyOptions, AppliedCommand } from './leader/leader-apply.js';
export { LeaderDuties } from './leader/leader-duties.js';
export type { LeaderDutiesOptions } from './leader/leader-duties.js';
export { SESSION_TTL_MULTIPLIER } from './leader/session-timers.js';
export { LockDelays } from './leader/lock-delays.js';
export type { CatalogView } from './leader/catalog-plan.js';

// The HTTP API.
export type { ApiRequest, ApiResponse } from './http/api.js';
export { HttpError } from './http/api.js';
export type { ApiContext, MetricsText } from './http/context.js';
export { route, forwardsToServer } from './http/router.js';
export type { Route, Handler } from './http/router.js';
export { ROUTES } from './http/routes.js';
export { startHttpServer } from './http/real-http-server.js';
export type { HttpServerOptions, RunningHttpServer } from './http/real-http-server.js';

// Cluster mode: gossip, raft discovered through it, client agents forwarding to servers.
export { ClusterAgent } from './cluster/cluster-agent.js';
export type { ClusterAgentOptions, ServerRoleOptions } from './cluster/cluster-agent.js';
export type { ClusterAgentEvents, LeaderChange } from './cluster/agent-events.js';
export type { GossipOptions } from './cluster/gossip.js';
export type { RaftTls } from './cluster/raft-node.js';
export type { ClusterTiming } from './cluster/cluster-timing.js';
export { DEFAULT_CLUSTER_TIMING } from './cluster/cluster-timing.js';
export type { AgentRole, AgentTags } from './cluster/agent-tags.js';
// The internal endpoints servers answer for the leader (paths, bodies: cluster/internal-api.ts).
export { INTERNAL_PATH_PREFIX, APPLY_PATH, READ_INDEX_PATH, SESSION_RENEW_PATH } from './cluster/internal-api.js';
export type { LeaderHint } from './cluster/internal-api.js';
export type { InternalHandler, InternalRequest } from './cluster/internal-handler.js';

// Errors: each has a stable `code`.
export {
  StateError,
  STATE_ERROR_CODES,
  AgentDecodeError,
  StateInvariantError,
  NoLeaderError,
  ForwardOutcomeUnknownError,
  RemoteError,
  TargetUnreachableError,
  BarrierTimeoutError,
} from './errors.js';
export type { StateErrorCode } from './errors.js';
