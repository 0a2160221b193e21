import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One member as `GET /v1/agent/members` lists it. The path is Consul's, so
 * scripts have one place to look; the body is shoal's own shape, not Consul's
 * (no Addr/Port/Tags/Status codes): the Consul-compatible agent API is a
 * later piece of work.
 */
export interface MemberView {
  name: string;
  /** "host:port" the member gossips on. */
  address: string;
  state: 'alive' | 'suspect' | 'dead' | 'left';
  incarnation: number;
  /** The member's metadata, as UTF-8 text. */
  meta: string;
}

export interface MemberHttpSources {
  members(): MemberView[];
  /** Prometheus text exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface MemberHttpServer {
  /** The bound "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export const MEMBERS_PATH = '/v1/agent/members';
export const METRICS_PATH = '/metrics';

/**
 * Serves a running node's members and metrics over HTTP on `host:port`. Read
 * only and small: GET (and HEAD) of two paths; anything else is 405 or 404.
 * node:http rather than a framework: two fixed routes need no router.
 */
export async function startMemberHttp(host: string, port: number, sources: MemberHttpSources): Promise<MemberHttpServer> {
  const server = createServer((req, res) => {
    void respond(req, res, sources).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  // A client that stalls cannot hold a socket open for long: nothing here takes more than a moment.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, sources: MemberHttpSources): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
    return;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === MEMBERS_PATH) {
    send(res, 200, 'application/json', `${JSON.stringify(sources.members())}\n`);
  } else if (path === METRICS_PATH) {
    const { contentType, body } = await sources.metrics();
    send(res, 200, contentType, body);
  } else {
    send(res, 404, 'text/plain; charset=utf-8', `not found; try ${MEMBERS_PATH} or ${METRICS_PATH}\n`);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
