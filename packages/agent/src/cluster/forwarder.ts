// A client agent answers only for itself (its members, its services and
// checks); every other request of the HTTP API goes to a server, as it
// arrived, and the server's answer comes back as it is produced, so long
// blocking queries stream through. The HTTP router calls `proxy` for those
// routes. The real one is real-http-forwarder.ts.

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
