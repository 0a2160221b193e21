// NetworkTransport on loopback TCP: real sockets end to end, and hostile
// peers (garbage, an unknown RPC type, a claimed length with nothing behind
// it, a stall mid-message, 2000 idle connections), each dropped and counted
// while the server keeps answering real RPCs with bounded descriptors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { InMemoryMetrics, RealClock } from '@shoal/kit';
import { NetworkTransport } from './network-transport.js';
import { appendRequest, echoHandler } from './test-rpc-handler.js';
import { TcpStreamLayer } from './real-tcp-stream-layer.js';
import { splitHostPort } from './stream-layer.js';

const clock = new RealClock();

async function server(metrics = new InMemoryMetrics(), extra: { maxInboundConns?: number; timeoutMs?: number; firstByteTimeoutMs?: number } = {}): Promise<{ t: NetworkTransport; metrics: InMemoryMetrics }> {
  const layer = await TcpStreamLayer.listen({ bind: '127.0.0.1:0' });
  const t = new NetworkTransport({ layer, clock, wire: '1.1', timeoutMs: 300, firstByteTimeoutMs: 300, maxMessageBytes: 1024 * 1024, metrics, ...extra });
  t.setHandler(echoHandler());
  return { t, metrics };
}

function raw(addr: string): Promise<Socket> {
  const { host, port } = splitHostPort(addr);
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves when the server closes `s`, with how long that took. */
function closedBy(s: Socket): Promise<number> {
  const started = clock.now();
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.resume();
    s.once('close', () => resolve(clock.now() - started));
  });
}

test('two transports talk over loopback TCP', async () => {
  const { t: b } = await server();
  const a = new NetworkTransport({ layer: await TcpStreamLayer.listen({ bind: '127.0.0.1:0' }), clock });
  try {
    for (let i = 0; i < 50; i++) assert.equal((await a.appendEntries('b', b.localAddr, appendRequest(2, i))).lastLog, i + 1);
    const pipeline = a.appendEntriesPipeline('b', b.localAddr);
    const futures = [];
    for (let i = 0; i < 20; i++) futures.push(await pipeline.appendEntries(appendRequest(2, i)));
    assert.deepEqual(await Promise.all(futures.map(async (f) => (await f.response).lastLog)), Array.from({ length: 20 }, (_, i) => i + 1));
    await pipeline.close();
    await assert.rejects(a.appendEntries('x', '127.0.0.1:1', appendRequest(2, 1)), /failed to connect to peer: 127\.0\.0\.1:1: .*ECONNREFUSED/);
  } finally {
    await a.close();
    await b.close();
  }
});

// Issue 14: net.Server's close waits for every accepted socket, so a server
// that waited on it before ending its accepted connections hung for as long
// as a peer pooled one (forever).
test('close returns while a peer still pools a connection to us over TCP', async () => {
  const { t: b } = await server();
  const a = new NetworkTransport({ layer: await TcpStreamLayer.listen({ bind: '127.0.0.1:0' }), clock });
  try {
    assert.equal((await a.appendEntries('b', b.localAddr, appendRequest(2, 1))).lastLog, 2);
    assert.equal(a.openConns.dialed, 1, 'the call left its connection in the pool');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('b.close() still pending after 1000 ms')), 1000)));
    await Promise.race([b.close(), late]).finally(() => clearTimeout(timer));
    await assert.rejects(a.appendEntries('b', b.localAddr, appendRequest(2, 2)), /closed by the peer|ECONNREFUSED|ECONNRESET|EPIPE/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('garbage, an unknown rpc type, a huge claimed length and a stall are dropped and counted', async () => {
  // A 2 s read timeout, so "dropped at once" has room on a loaded machine (an unknown type took 455 ms at load 28).
  const { t, metrics } = await server(undefined, { timeoutMs: 2000, firstByteTimeoutMs: 2000 });
  try {
    const probes: [number[], string][] = [
      [[0, 0xc1, 0xc1, 0xc1], 'garbage'],
      [[9, 0x80], 'unknown type'],
      [[0, 0x81, 0xa4, 0x54, 0x65, 0x72, 0x6d, 0xdb, 0xff, 0xff, 0xff, 0xff], 'a 4 GiB string claimed'],
      [[0, 0x87, 0xa7], 'a stall mid-message'],
    ];
    const [g, u, h, s] = await Promise.all(
      probes.map(async ([bytes]) => {
        const socket = await raw(t.localAddr);
        const closed = closedBy(socket);
        socket.write(Uint8Array.from(bytes));
        return closed;
      }),
    );
    assert.ok(g! < 1000 && u! < 1000, `garbage ${g} ms, unknown ${u} ms: dropped at once, not by the 2 s timeout`);
    assert.ok(h! < 4000 && s! >= 1900 && s! < 6000, `huge ${h} ms, stall ${s} ms`);
    assert.equal(metrics.counter('raft.net.conn_dropped', { reason: 'malformed' }), 1);
    assert.equal(metrics.counter('raft.net.conn_dropped', { reason: 'unknown_rpc' }), 1);
    assert.equal(metrics.counter('raft.net.conn_dropped', { reason: 'too_large' }) + metrics.counter('raft.net.conn_dropped', { reason: 'timeout' }), 2);
  } finally {
    await t.close();
  }
});

test('2000 idle connections: accepted ones stay bounded, all are dropped and counted, real RPCs still answered', async () => {
  const limit = 64;
  const { t, metrics } = await server(undefined, { maxInboundConns: limit });
  const client = new NetworkTransport({ layer: await TcpStreamLayer.listen({ bind: '127.0.0.1:0' }), clock, timeoutMs: 2000 });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, t.openConns.accepted)), 5);
  try {
    const sockets: Socket[] = [];
    const closed: Promise<number>[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = await raw(t.localAddr);
      sockets.push(s);
      closed.push(closedBy(s));
      if (i % 500 === 0) assert.equal((await client.appendEntries('b', t.localAddr, appendRequest(1, i))).success, true);
    }
    await Promise.all(closed);
    const dropped = metrics.counter('raft.net.conn_dropped', { reason: 'evicted' }) + metrics.counter('raft.net.conn_dropped', { reason: 'idle' });
    assert.ok(dropped >= 2000, `dropped ${dropped}`);
    assert.ok(peak <= limit, `peak accepted ${peak}`);
    assert.equal((await client.appendEntries('b', t.localAddr, appendRequest(1, 1))).success, true);
  } finally {
    clearInterval(sampler);
    await client.close();
    await t.close();
  }
});
