// Routes requests to handlers: exact paths and path prefixes (whose rest is
// the handler's argument: a key, an id, a name). A known path with another
// method is 405, an unknown path 404. The internal endpoints go to the
// server's internal handler. A client agent answers only the routes marked
// `agentLocal` itself; the HTTP server hands every other request to its
// forwarder before reading it (forwardsToServer).
import { ShoalError } from '@shoal/kit';
import { INTERNAL_PATH_PREFIX } from '../cluster/internal-api.js';
import { StateError } from '../errors.js';
import { HttpError, textResponse, type ApiRequest, type ApiResponse } from './api.js';
import type { ApiContext } from './context.js';

export type Handler = (ctx: ApiContext, req: ApiRequest, arg: string) => Promise<ApiResponse> | ApiResponse;

export interface Route {
  /** An exact path, or a prefix ending in "/" when `prefix` is set. */
  readonly path: string;
  readonly prefix?: boolean;
  readonly methods: Readonly<Record<string, Handler>>;
  /** Answered by every agent from its own state, client agents included (Consul's agent endpoints). */
  readonly agentLocal?: boolean;
}

function match(routes: readonly Route[], path: string): { route: Route; arg: string } | undefined {
  for (const route of routes) {
    if (route.prefix ? path.startsWith(route.path) : path === route.path) return { route, arg: route.prefix ? path.slice(route.path.length) : '' };
  }
  return undefined;
}

/** Whether this agent sends a request for `path` to a server rather than answering it: a client agent, and not a route of its own. */
export function forwardsToServer(routes: readonly Route[], ctx: ApiContext, path: string): boolean {
  if (ctx.store !== undefined || ctx.forwarder === undefined || path.startsWith(INTERNAL_PATH_PREFIX)) return false;
  return match(routes, path)?.route.agentLocal !== true;
}

export async function route(routes: readonly Route[], ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  try {
    if (req.path.startsWith(INTERNAL_PATH_PREFIX)) return ctx.internal ? await ctx.internal(req) : textResponse(404, '');
    const found = match(routes, req.path);
    if (!found) return textResponse(404, '');
    const handler = found.route.methods[req.method];
    if (!handler) return textResponse(405, `method ${req.method} not allowed`, { allow: Object.keys(found.route.methods).join(', ') });
    return await handler(ctx, req, found.arg);
  } catch (error) {
    return errorResponse(ctx, error);
  }
}

/** Consul answers refused requests with their status; store refusals and lost leaders with 500 and the message. */
export function errorResponse(ctx: ApiContext, error: unknown): ApiResponse {
  if (error instanceof HttpError) return textResponse(error.status, error.message);
  if (error instanceof StateError) return textResponse(500, error.message);
  if (error instanceof ShoalError) {
    ctx.logger.warn({ err: error }, 'request failed');
    return textResponse(500, error.code === 'ERR_NO_LEADER' ? 'No cluster leader' : error.message);
  }
  ctx.logger.error({ err: error }, 'request failed unexpectedly');
  return textResponse(500, 'Internal error');
}
