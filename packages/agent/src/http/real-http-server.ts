// The HTTP API on node:http: the one file where requests meet sockets. It
// reads a bounded body, builds an ApiRequest, and writes the ApiResponse the
// router returns; everything else is in the handlers. On a client agent,
// requests for a server are handed to the forwarder as they arrive, unread,
// so their answers can stream back.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@shoal/kit';
import type { Forwarder } from '../forwarder.js';
import { textResponse, type ApiRequest, type ApiResponse } from './api.js';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly handle: (request: ApiRequest) => Promise<ApiResponse>;
  /** Client agents: the requests (by decoded path) that go to a server, and how. */
  readonly forward?: { readonly wants: (path: string) => boolean; readonly to: Forwarder };
  /** Larger bodies are answered 413 without being read. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

export interface RunningHttpServer {
  /** "host:port" as bound (the port is the real one when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

type Body = { ok: true; bytes: Uint8Array } | { ok: false; response: ApiResponse };

function readBody(req: IncomingMessage, max: number): Promise<Body> {
  const tooLarge = (): Body => ({ ok: false, response: textResponse(413, `Request body too large, max size: ${max} bytes`) });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.resolve(tooLarge());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        req.removeAllListeners('data');
        req.pause();
        resolve(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve({ ok: true, bytes: new Uint8Array(Buffer.concat(chunks)) }));
    req.on('error', () => resolve({ ok: false, response: textResponse(400, 'Request body could not be read') }));
  });
}

function send(res: ServerResponse, response: ApiResponse, closeAfter: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length), ...(closeAfter ? { connection: 'close' } : {}) });
  res.end(body);
}

async function serve(options: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController();
  // Only a request left unanswered is aborted: aborting makes a DOMException, a cost every closed connection would pay.
  res.on('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  let url: URL;
  let path: string;
  try {
    url = new URL(req.url ?? '/', 'http://agent');
    path = decodeURIComponent(url.pathname);
  } catch {
    send(res, textResponse(400, 'Invalid URL'), false);
    return;
  }
  if (options.forward?.wants(path)) {
    await options.forward.to.proxy(req, res);
    return;
  }
  const body = await readBody(req, options.maxBodyBytes);
  if (!body.ok) {
    // The rest of the body is not read: close the connection rather than parse it as the next request.
    send(res, body.response, true);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  const response = await options.handle({ method: req.method ?? 'GET', path, query: url.searchParams, headers, body: body.bytes, signal: aborted.signal });
  send(res, response, false);
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    serve(options, req, res).catch((error: unknown) => {
      options.logger.error({ err: error }, 'http request failed');
      send(res, textResponse(500, 'Internal error'), true);
    });
  });
  // Blocking queries hold a request open for up to ten minutes and more.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      resolve({
        address: `${address.includes(':') ? `[${address}]` : address}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
