// The agent's HTTP API, as every agent runs it (dev mode, servers, client
// agents): Consul's routes over the agent's context, the internal endpoints
// on servers, and on client agents the forwarder for what they do not
// answer themselves.
import { MAX_COMMAND_BYTES } from '../limits.js';
import type { ApiContext } from './context.js';
import { startHttpServer, type RunningHttpServer } from './real-http-server.js';
import { forwardsToServer, route } from './router.js';
import { ROUTES } from './routes.js';

export function startAgentHttp(ctx: ApiContext, bind: { readonly host: string; readonly port: number }): Promise<RunningHttpServer> {
  return startHttpServer({
    ...bind,
    // The outer bound: forwarded commands reach it; each endpoint applies Consul's own, smaller limits.
    maxBodyBytes: MAX_COMMAND_BYTES,
    logger: ctx.logger,
    handle: (req) => route(ROUTES, ctx, req),
    ...(ctx.forwarder !== undefined ? { forward: { wants: (path: string) => forwardsToServer(ROUTES, ctx, path), to: ctx.forwarder } } : {}),
  });
}
