// A small HTTP API for the cluster tests, standing in for the agent's real
// one: it mounts the internal endpoints on servers and the forwarder on
// client agents, and offers a KV route on the test store (PUT writes through
// the replicator; GET reads the local store, after a barrier when
// ?consistent is given). Not shipped.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentHttpParts, AgentHttpServer, StartAgentHttp } from '../cluster/agent-hooks.js';
import { INTERNAL_PATH_PREFIX } from '../cluster/internal-api.js';
import type { TestStore } from './test-store.js';

export const TEST_KV_PREFIX = '/v1/test/kv/';

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function route(parts: AgentHttpParts, store: TestStore | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  if (url.pathname.startsWith(INTERNAL_PATH_PREFIX) && parts.internal !== undefined) {
    const answer = await parts.internal({ method: req.method ?? 'GET', path: url.pathname, body: await readBody(req) });
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': answer.body.length });
    res.end(answer.body);
    return;
  }
  if (parts.forwarder !== undefined) {
    await parts.forwarder.proxy(req, res);
    return;
  }
  if (store !== undefined && url.pathname.startsWith(TEST_KV_PREFIX)) {
    const key = decodeURIComponent(url.pathname.slice(TEST_KV_PREFIX.length));
    if (req.method === 'PUT') {
      const written = await parts.replicator.write({ type: 'kv', op: { verb: 'set', key, value: await readBody(req) } });
      sendJson(res, 200, written);
      return;
    }
    if (url.searchParams.has('consistent')) await parts.replicator.barrier();
    sendJson(res, 200, { key, value: store.kvGet(key) ?? null });
    return;
  }
  sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

/** The HTTP hook of a test agent, on `bind` (default 127.0.0.1, any port); `store` for servers. */
export function startTestHttp(store?: TestStore, bind: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): StartAgentHttp {
  return async (parts): Promise<AgentHttpServer> => {
    const server = createServer((req, res) => {
      route(parts, store, req, res).catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { error: (error as Error).message, code: (error as { code?: unknown }).code });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bind.port, bind.host, () => resolve());
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
  };
}
