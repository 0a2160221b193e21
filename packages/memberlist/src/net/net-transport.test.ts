import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics, RealClock } from '@shoal/kit';
import type { Packet, StreamConn, TransportHandler } from '../transport.js';
import { NetTransport } from './net-transport.js';

const clock = new RealClock();

function recorder() {
  const packets: Packet[] = [];
  const streams: StreamConn[] = [];
  let wake: (() => void) | undefined;
  const handler: TransportHandler = {
    packet: (p) => { packets.push({ ...p, buf: Uint8Array.from(p.buf) }); wake?.(); },
    stream: (s) => { streams.push(s); wake?.(); },
  };
  return {
    packets, streams, handler,
    async until(cond: () => boolean): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise<void>((r) => { wake = r; setTimeout(r, 20); });
      }
    },
  };
}

async function readAll(s: StreamConn): Promise<string> {
  let text = '';
  for (let chunk = await s.read(); chunk !== null; chunk = await s.read()) text += Buffer.from(chunk).toString();
  return text;
}

test('packets and streams between two transports on loopback', async () => {
  const ra = recorder(), rb = recorder();
  const a = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  const b = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  a.listen(ra.handler);
  b.listen(rb.handler);
  const adv = b.finalAdvertiseAddr('', 0);
  assert.deepEqual([...adv.ip], [127, 0, 0, 1]);
  assert.equal(adv.port, b.port);

  const sentAt = a.writeTo(new TextEncoder().encode('ping'), `127.0.0.1:${b.port}`);
  await rb.until(() => rb.packets.length === 1);
  assert.equal(Buffer.from(rb.packets[0]!.buf).toString(), 'ping');
  assert.equal(rb.packets[0]!.from, `127.0.0.1:${a.port}`);
  assert.ok(rb.packets[0]!.timestampMs >= sentAt);

  const out = await a.dialTimeout(`127.0.0.1:${b.port}`, 2000);
  await rb.until(() => rb.streams.length === 1);
  const inbound = rb.streams[0]!;
  out.write(new TextEncoder().encode('hello '));
  out.write(new TextEncoder().encode('stream'));
  const first = await inbound.read();
  assert.ok(first && first.length > 0);
  inbound.write(new TextEncoder().encode('reply'));
  inbound.close();
  assert.equal(await readAll(out), 'reply');

  await a.shutdown();
  await b.shutdown();
  assert.throws(() => a.writeTo(new Uint8Array([1]), `127.0.0.1:${b.port}`), (e: Error & { code?: string }) => e.code === 'ERR_TRANSPORT');
});

test('CIDRsAllowed drops packets and streams from other networks, and counts them', async () => {
  const metrics = new InMemoryMetrics();
  const r = recorder();
  const guarded = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock, metrics, cidrsAllowed: ['10.0.0.0/8'] });
  guarded.listen(r.handler);
  const other = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  other.listen(recorder().handler);
  other.writeTo(new Uint8Array([1]), `127.0.0.1:${guarded.port}`);
  const s = await other.dialTimeout(`127.0.0.1:${guarded.port}`, 2000);
  await assert.rejects(async () => { while ((await s.read()) !== null); throw new Error('closed'); });
  const deadline = Date.now() + 3000;
  while (metrics.counter('memberlist.net.udp.dropped', { reason: 'cidr' }) === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  assert.equal(metrics.counter('memberlist.net.udp.dropped', { reason: 'cidr' }), 1);
  assert.equal(metrics.counter('memberlist.net.tcp.dropped', { reason: 'cidr' }), 1);
  assert.equal(r.packets.length + r.streams.length, 0);
  await assert.rejects(NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, cidrsAllowed: ['nonsense'] }), /invalid CIDRs/);
  await guarded.shutdown();
  await other.shutdown();
});

test('a handler that throws is counted and does not take the transport down', async () => {
  const metrics = new InMemoryMetrics();
  const t = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock, metrics });
  let calls = 0;
  t.listen({ packet: () => { calls++; throw new Error('garbage'); }, stream: (s) => s.close() });
  t.writeTo(new Uint8Array([0xff]), `127.0.0.1:${t.port}`);
  t.writeTo(new Uint8Array([0xfe]), `127.0.0.1:${t.port}`);
  const deadline = Date.now() + 3000;
  while (calls < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  assert.equal(calls, 2);
  assert.equal(metrics.counter('memberlist.net.udp.dropped', { reason: 'handler' }), 2);
  await t.shutdown();
});

test('dial to a closed port fails as a remote transport error; bad addresses fail locally', async () => {
  const t = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  const port = t.port;
  await t.shutdown();
  const u = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  await assert.rejects(u.dialTimeout(`127.0.0.1:${port}`, 1000), (e: Error & { remote?: boolean }) => e.remote === true);
  await assert.rejects(u.dialTimeout('no-port', 1000), (e: Error & { remote?: boolean }) => e.remote === false);
  assert.throws(() => u.writeTo(new Uint8Array([1]), 'host-without-port'), /not an ip:port/);
  await u.shutdown();
});

test('shutdown closes open streams', async () => {
  const r = recorder();
  const a = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  const b = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  b.listen(r.handler);
  a.listen(recorder().handler);
  const s = await a.dialTimeout(`127.0.0.1:${b.port}`, 2000);
  await r.until(() => r.streams.length === 1);
  const pending = r.streams[0]!.read();
  await b.shutdown();
  await assert.rejects(pending, (e: Error & { code?: string }) => e.code === 'ERR_TRANSPORT');
  assert.equal(await s.read().catch(() => null), null);
  await a.shutdown();
});

test('datagrams sent just before shutdown still leave (Node sends them on a later tick)', async () => {
  const r = recorder();
  const b = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  try {
    b.listen(r.handler);
    for (let i = 0; i < 5; i++) {
      const a = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
      a.listen(recorder().handler);
      a.writeTo(Uint8Array.of(i), `127.0.0.1:${b.port}`);
      await a.shutdown();
    }
    await r.until(() => r.packets.length === 5);
    assert.deepEqual(r.packets.map((p) => p.buf[0]).sort(), [0, 1, 2, 3, 4]);
  } finally {
    await b.shutdown();
  }
});

test('close() right after a large write still delivers every byte (a reliable message, a push/pull reply)', async () => {
  const r = recorder();
  const a = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  const b = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock });
  try {
    a.listen(recorder().handler);
    b.listen(r.handler);
    // Far more than the kernel's socket buffers hold, so most of it is still in Node when close() runs.
    const payload = new Uint8Array(24 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = (i / 4096) & 0xff;
    const out = await a.dialTimeout(`127.0.0.1:${b.port}`, 2000);
    out.write(payload);
    out.close();
    await r.until(() => r.streams.length === 1);
    const inbound = r.streams[0]!;
    let received = 0;
    let mismatch = -1;
    for (let chunk = await inbound.read(); chunk !== null; chunk = await inbound.read()) {
      for (let i = 0; i < chunk.length; i++) {
        if (mismatch < 0 && chunk[i] !== payload[received + i]) mismatch = received + i;
      }
      received += chunk.length;
    }
    assert.equal(received, payload.length);
    assert.equal(mismatch, -1);
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});
