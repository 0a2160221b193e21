// What the dashboard (/ui/, real-ui-assets.ts) reads beyond the Consul API:
// /v1/internal/ui/agent: this agent's gossip health score and its raft's view;
// /v1/internal/ui/leader: the leader's raft view, with each server's match
// index, which only the leader knows (a follower asks it; a client agent
// forwards the request to a server); and /v1/internal/ui/kv, the KV
// browser's listing.
import type { Raft } from '@shoal/raft';
import { jsonResponse, textResponse, type ApiRequest, type ApiResponse } from './api.js';
import type { ApiContext, RaftView } from './context.js';
import { kvGetHandler } from './kv-handlers.js';
import { raftJson } from './ui-raft-json.js';

export function raftViewOf(raft: Raft): RaftView {
  return {
    state: raft.state,
    term: raft.currentTerm(),
    commitIndex: raft.commitIndex(),
    appliedIndex: raft.appliedIndex(),
    lastIndex: raft.lastIndex(),
    leader: raft.leader(),
    servers: raft.servers(),
  };
}

/** GET /v1/internal/ui/agent: this agent's name, health score and raft (servers). */
export function uiAgentHandler(ctx: ApiContext): ApiResponse {
  const raft = ctx.ui?.raft?.();
  return jsonResponse(
    JSON.stringify({
      Node: ctx.nodeName,
      Datacenter: ctx.datacenter,
      Server: ctx.server,
      HealthScore: ctx.ui?.healthScore() ?? null,
      Raft: raft === undefined ? null : raftJson(raft),
    }),
  );
}

/**
 * GET /v1/internal/ui/leader: the leader's raft view, or null while there is
 * no leader to ask (a 200 still: a browser logs every error status).
 */
export async function uiLeaderHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const leaderRaft = ctx.ui?.leaderRaft;
  if (leaderRaft === undefined) return textResponse(404, 'the leader\'s raft view is served by servers');
  const view = await leaderRaft(req.signal);
  return jsonResponse(JSON.stringify(view === undefined ? null : raftJson(view)));
}

/**
 * GET /v1/internal/ui/kv: every key with its value, as /v1/kv/?recurse
 * (blocking too), but an empty store is an empty list rather than a 404,
 * which a browser would log as an error.
 */
export async function uiKvHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const query = new URLSearchParams(req.query);
  query.set('recurse', '');
  const response = await kvGetHandler(ctx, { ...req, query }, '');
  return response.status === 404 ? jsonResponse('[]', 200, { ...response.headers, 'content-type': 'application/json' }) : response;
}
