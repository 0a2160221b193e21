// The seam for client agents, which keep no store: they answer /v1/agent/*
// (and what depends on the agent's own identity) themselves, and every other
// request of the HTTP API goes to a server as it arrived, the server's answer
// coming back as it is produced, so long blocking queries stream through.
// The HTTP server hands those requests over before reading their bodies; the
// router decides which (http/router.ts, forwardsToServer). The real one is
// cluster/real-http-forwarder.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Forwarder {
  /**
   * Sends `req` to a server and streams the answer into `res`. Never
   * rejects: when no server can be reached, `res` gets a 503 (none known or
   * none reachable) or a 502 (a server failed after taking the request).
   * Resolves once `res` has ended or the caller went away.
   */
  proxy(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
