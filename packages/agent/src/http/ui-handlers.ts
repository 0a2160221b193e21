// What the dashboard (/ui/, real-ui-assets.ts) reads beyond the Consul API:
// /v1/internal/ui/agent: this agent's gossip health score and its raft's view; and
// /v1/internal/ui/kv, the KV browser's listing.
import type { Raft } from '@shoal/raft';
import { jsonResponse, type ApiRequest, type ApiResponse } from './api.js';
import type { ApiContext, RaftView } from './context.js';
import { kvGetHandler } from './kv-handlers.js';

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
      Raft:
        raft === undefined
          ? null
          : {
              State: raft.state,
              Term: raft.term,
              CommitIndex: raft.commitIndex,
              AppliedIndex: raft.appliedIndex,
              LastIndex: raft.lastIndex,
              Leader: raft.leader,
              Servers: raft.servers.map((s) => ({ ID: s.id, Address: s.address, Voter: s.voter, MatchIndex: s.matchIndex ?? null })),
            },
    }),
  );
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
