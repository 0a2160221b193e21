import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noopMetrics, realClock, silentLogger } from '@shoal/kit';
import type { Member } from '../member-view.js';
import { HttpForwarder } from './real-http-forwarder.js';
import { serverDirectory } from './server-directory.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; address: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** An upstream "server agent" that records requests and answers with `handler`. */
async function upstream(handler: Handler): Promise<{ server: Server; address: string; seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] }> {
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const { server, address } = await listen((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  return { server, address, seen };
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const { server, address } = await listen(() => {});
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address;
}

function member(name: string, httpAddress: string): Member {
  return { name, address: '127.0.0.1', port: 8301, status: 'alive', tags: { role: 'server', datacenter: 'dc1', nodeId: `id-${name}`, httpAddress, raftAddress: `127.0.0.1:1${name.length}` } };
}

/** A client agent's HTTP front that forwards everything to `targets`, in this order. */
async function front(targets: string[]): Promise<{ server: Server; address: string; forwarder: HttpForwarder }> {
  const members = targets.map((t, i) => member(`s${i}`, t));
  const forwarder = new HttpForwarder({ directory: serverDirectory(() => members, 'dc1'), clock: realClock, logger: silentLogger, metrics: noopMetrics, maxBodyBytes: 1024 });
  const { server, address } = await listen((req, res) => void forwarder.proxy(req, res));
  return { server, address, forwarder };
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function call(address: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function closeAll(...servers: Server[]): Promise<void> {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

test('forwarder: method, path and query, headers and body reach a server; its status, headers and body come back; a refused server is skipped', { timeout: 30_000 }, async () => {
  const up = await upstream((_req, res, body) => {
    res.writeHead(201, { 'x-consul-index': '42', 'content-type': 'application/json' });
    res.end(JSON.stringify({ echoed: body }));
  });
  const dead = await closedPort();
  const f = await front([dead, up.address]);
  try {
    const answer = await call(f.address, 'PUT', '/v1/kv/a%2Fb?cas=0&flags=3', 'value', { 'x-consul-token': 't', 'content-type': 'text/plain' });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers['x-consul-index'], '42');
    assert.deepEqual(JSON.parse(answer.body), { echoed: 'value' });
    const seen = up.seen[0]!;
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.url, '/v1/kv/a%2Fb?cas=0&flags=3');
    assert.equal(seen.headers['x-consul-token'], 't');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.body, 'value');
    // The server that answered is tried first from now on.
    await call(f.address, 'GET', '/v1/catalog/nodes');
    assert.equal(up.seen.length, 2);
  } finally {
    f.forwarder.close();
    await closeAll(f.server, up.server);
  }
});

test('forwarder: a long blocking query streams through, headers first', { timeout: 30_000 }, async () => {
  const up = await upstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    res.write('[');
    setTimeout(() => res.end('1]'), 1_500);
  });
  const f = await front([up.address]);
  try {
    const started = Date.now();
    const headersAt = await new Promise<number>((resolve, reject) => {
      const [host, port] = f.address.split(':');
      request({ host, port: Number(port), path: '/v1/kv/x?index=5&wait=2s' }, (res) => {
        const at = Date.now() - started;
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => (text === '[1]' ? resolve(at) : reject(new Error(`body ${text}`))));
      })
        .on('error', reject)
        .end();
    });
    assert.ok(headersAt < 1_400, `headers arrived after ${headersAt} ms`);
    assert.ok(Date.now() - started >= 1_400, 'the body waited for the server');
  } finally {
    f.forwarder.close();
    await closeAll(f.server, up.server);
  }
});

test('forwarder: a server that drops a write after taking it is a 502, not retried; a read moves on', { timeout: 30_000 }, async () => {
  const dropping = await upstream((req) => req.socket.destroy());
  const good = await upstream((_req, res) => res.end('ok'));
  const f = await front([dropping.address, good.address]);
  try {
    const write = await call(f.address, 'PUT', '/v1/kv/k', 'v');
    assert.equal(write.status, 502);
    assert.match(write.body, /forwarding to server .* failed/);
    assert.equal(good.seen.length, 0, 'the write was not sent again');
    const read = await call(f.address, 'GET', '/v1/kv/k');
    assert.equal(read.status, 200);
    assert.equal(read.body, 'ok');
  } finally {
    f.forwarder.close();
    await closeAll(f.server, dropping.server, good.server);
  }
});

test('forwarder: a server that takes a write on a kept-alive connection and dies before answering is a 502, not retried elsewhere', { timeout: 30_000 }, async () => {
  // As a server SIGKILLed while it forwards the write to the leader: the
  // request was read (it may be applied), then the connection closes with no
  // answer. On a reused socket that shows as ECONNRESET ("socket hang up"),
  // just as an idle connection the server had closed would; but this request
  // was taken, and sending it to another server could apply it twice.
  const dying = await upstream((req, res) => {
    if (req.method === 'GET') res.end('read');
    else req.socket.destroy();
  });
  const good = await upstream((_req, res) => res.end('ok'));
  const f = await front([dying.address, good.address]);
  try {
    // A read first, so that the forwarder keeps a connection to the first server open.
    assert.equal((await call(f.address, 'GET', '/v1/kv/k')).body, 'read');
    const write = await call(f.address, 'PUT', '/v1/kv/k', 'v');
    assert.equal(dying.seen.filter((r) => r.method === 'PUT').length, 1, 'the first server took the write');
    assert.equal(good.seen.length, 0, 'the write was not sent again');
    assert.equal(write.status, 502);
  } finally {
    f.forwarder.close();
    await closeAll(f.server, dying.server, good.server);
  }
});

test('forwarder: no servers is a 503; none reachable is a 503 naming each; a large body is a 413', { timeout: 30_000 }, async () => {
  const none = await front([]);
  const dead = await front([await closedPort(), await closedPort()]);
  try {
    const empty = await call(none.address, 'GET', '/v1/catalog/nodes');
    assert.equal(empty.status, 503);
    assert.match(empty.body, /no known servers/);
    const unreachable = await call(dead.address, 'GET', '/v1/catalog/nodes');
    assert.equal(unreachable.status, 503);
    assert.equal(unreachable.body.split(';').length, 2);
    const large = await call(dead.address, 'PUT', '/v1/kv/big', 'x'.repeat(2048));
    assert.equal(large.status, 413);
  } finally {
    none.forwarder.close();
    dead.forwarder.close();
    await closeAll(none.server, dead.server);
  }
});

test('forwarder: when the caller goes away, the request to the server is dropped too', { timeout: 30_000 }, async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  const up = await upstream((req, res) => {
    res.writeHead(200);
    res.flushHeaders();
    req.socket.on('close', () => upstreamClosed());
  });
  const f = await front([up.address]);
  try {
    const [host, port] = f.address.split(':');
    const req = request({ host, port: Number(port), path: '/v1/kv/x?index=9' }, (res) => res.destroy());
    req.on('error', () => {});
    req.end();
    await closed;
  } finally {
    f.forwarder.close();
    await closeAll(f.server, up.server);
  }
});
