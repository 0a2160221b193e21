// The endpoints this agent serves, Consul's paths and methods. `agentLocal`
// marks what a client agent answers itself: its own services, checks and
// members, and session creation, whose default node is the agent's own.
import { agentChecksHandler, agentMembersHandler, agentMetricsHandler, agentSelfHandler, prometheusMetricsHandler, raftConfigurationHandler, agentServicesHandler, checkFailHandler, checkPassHandler, checkUpdateHandler, checkWarnHandler, serviceDeregisterHandler, serviceRegisterHandler, statusLeaderHandler, statusPeersHandler } from './agent-handlers.js';
import { catalogNodeHandler, catalogNodesHandler, catalogServiceHandler, catalogServicesHandler, healthChecksHandler, healthNodeHandler, healthServiceHandler } from './catalog-handlers.js';
import { kvDeleteHandler, kvGetHandler, kvPutHandler } from './kv-handlers.js';
import type { Route } from './router.js';
import { sessionCreateHandler, sessionDestroyHandler, sessionInfoHandler, sessionListHandler, sessionNodeHandler, sessionRenewHandler } from './session-handlers.js';
import { txnHandler } from './txn-handler.js';
import { uiAssetHandler, uiRedirectHandler } from './real-ui-assets.js';
import { uiAgentHandler, uiLeaderHandler, uiKvHandler } from './ui-handlers.js';

export const ROUTES: readonly Route[] = [
  { path: '/v1/kv/', prefix: true, methods: { GET: kvGetHandler, PUT: kvPutHandler, DELETE: kvDeleteHandler } },
  { path: '/v1/txn', methods: { PUT: txnHandler } },
  { path: '/v1/session/create', methods: { PUT: sessionCreateHandler }, agentLocal: true },
  { path: '/v1/session/destroy/', prefix: true, methods: { PUT: sessionDestroyHandler } },
  { path: '/v1/session/renew/', prefix: true, methods: { PUT: sessionRenewHandler } },
  { path: '/v1/session/info/', prefix: true, methods: { GET: sessionInfoHandler } },
  { path: '/v1/session/node/', prefix: true, methods: { GET: sessionNodeHandler } },
  { path: '/v1/session/list', methods: { GET: sessionListHandler } },
  { path: '/v1/catalog/nodes', methods: { GET: catalogNodesHandler } },
  { path: '/v1/catalog/node/', prefix: true, methods: { GET: catalogNodeHandler } },
  { path: '/v1/catalog/services', methods: { GET: catalogServicesHandler } },
  { path: '/v1/catalog/service/', prefix: true, methods: { GET: catalogServiceHandler } },
  { path: '/v1/health/service/', prefix: true, methods: { GET: healthServiceHandler } },
  { path: '/v1/health/node/', prefix: true, methods: { GET: healthNodeHandler } },
  { path: '/v1/health/checks/', prefix: true, methods: { GET: healthChecksHandler } },
  { path: '/v1/agent/service/register', methods: { PUT: serviceRegisterHandler }, agentLocal: true },
  { path: '/v1/agent/service/deregister/', prefix: true, methods: { PUT: serviceDeregisterHandler }, agentLocal: true },
  { path: '/v1/agent/check/pass/', prefix: true, methods: { PUT: checkPassHandler }, agentLocal: true },
  { path: '/v1/agent/check/warn/', prefix: true, methods: { PUT: checkWarnHandler }, agentLocal: true },
  { path: '/v1/agent/check/fail/', prefix: true, methods: { PUT: checkFailHandler }, agentLocal: true },
  { path: '/v1/agent/check/update/', prefix: true, methods: { PUT: checkUpdateHandler }, agentLocal: true },
  { path: '/v1/agent/services', methods: { GET: agentServicesHandler }, agentLocal: true },
  { path: '/v1/agent/checks', methods: { GET: agentChecksHandler }, agentLocal: true },
  { path: '/v1/agent/self', methods: { GET: agentSelfHandler }, agentLocal: true },
  { path: '/v1/agent/members', methods: { GET: agentMembersHandler }, agentLocal: true },
  { path: '/v1/agent/metrics', methods: { GET: agentMetricsHandler }, agentLocal: true },
  { path: '/metrics', methods: { GET: prometheusMetricsHandler }, agentLocal: true },
  { path: '/v1/operator/raft/configuration', methods: { GET: raftConfigurationHandler } },
  { path: '/v1/status/leader', methods: { GET: statusLeaderHandler } },
  { path: '/v1/status/peers', methods: { GET: statusPeersHandler } },
  { path: '/v1/internal/ui/agent', methods: { GET: uiAgentHandler }, agentLocal: true },
  { path: '/v1/internal/ui/leader', methods: { GET: uiLeaderHandler } },
  { path: '/v1/internal/ui/kv', methods: { GET: uiKvHandler } },
  { path: '/ui/', prefix: true, methods: { GET: uiAssetHandler }, agentLocal: true },
  { path: '/ui', methods: { GET: uiRedirectHandler }, agentLocal: true },
  { path: '/', methods: { GET: uiRedirectHandler }, agentLocal: true },
];
