// The agent's HTTP API, as every agent runs it (dev mode, servers, client
// agents): Consul's routes over the agent's context, the internal endpoints
// on servers, and on client agents the forwarder for what they do not
// answer themselves.
import { MAX_COMMAND_BYTES } from '../limits.js';
import type { ApiContext } from './context.js';
import { startHttpServer, type RunningHttpServer } from './real-http-server.js';
import { forwardsToServer, route } from './router.js';
import { ROUTES } from './routes.js';
import type { ApiRequest, ApiResponse } from './api.js';

/**
 * Consul's name for a request's path in consul.api.http: the route's path
 * without its argument, slashes as underscores (`/v1/kv/a/b` is `v1_kv_`).
 * Unknown paths are one class, so a scan of random paths adds no series.
 */
export function httpPathClass(path: string): string {
  const known = ROUTES.find((r) => (r.prefix ? path.startsWith(r.path) : path === r.path));
  return known ? known.path.slice(1).replaceAll('/', '_') : 'unknown';
}

/** Routes `req`, timing it as Consul's `consul.api.http` {method, path} (a summary in its Prometheus form). */
async function timedRoute(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const started = ctx.clock.now();
  const response = await route(ROUTES, ctx, req);
  ctx.metrics?.addTiming('consul.api.http', ctx.clock.now() - started, { method: req.method, path: httpPathClass(req.path) });
  return response;
}

export function startAgentHttp(ctx: ApiContext, bind: { readonly host: string; readonly port: number }): Promise<RunningHttpServer> {
  return startHttpServer({
    ...bind,
    // The outer bound: forwarded commands reach it; each endpoint applies Consul's own, smaller limits.
    maxBodyBytes: MAX_COMMAND_BYTES,
    logger: ctx.logger,
    handle: (req) => timedRoute(ctx, req),
    ...(ctx.forwarder !== undefined ? { forward: { wants: (path: string) => forwardsToServer(ROUTES, ctx, path), to: ctx.forwarder } } : {}),
  });
}
