// Public surface of @shoal/agent, listed by name. Everything not exported here is internal.

export type { KVEntry, Session, SessionBehavior, CatalogNode, CatalogService, HealthCheck, HealthStatus, RaftIndex } from './state/records.js';
export { SERF_HEALTH_CHECK } from './state/records.js';
export type { Command, CommandType, KVOp, KVVerb, SessionSpec, NodeSpec, ServiceSpec, CheckSpec } from './state/commands.js';
export type { Replicator, WriteResult, LeadershipView } from './replicator.js';
