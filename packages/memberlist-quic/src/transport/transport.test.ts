import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { InMemoryMetrics } from '@shoal/kit';
import type { Packet, StreamConn, TransportHandler } from '@shoal/memberlist';
import { createQuicheEngine } from '../engine/real-quiche-engine.js';
import type { QuicEngine, QuicEngineOptions, QuicStream } from '../engine/types.js';
import type { QuicTransportConfig } from './config.js';
import type { QuicTransport } from './quic-transport.js';
import { makeCa, makeNodeCert, sleep, transport, until, type TestCa, type TestNodeCert } from './testing/members.js';

let ca: TestCa;
let n1: TestNodeCert;
let n2: TestNodeCert;

before(async () => {
  ca = await makeCa('shoal');
  n1 = await makeNodeCert(ca, 'node-1');
  n2 = await makeNodeCert(ca, 'node-2');
});

function recorder(): { packets: Packet[]; streams: StreamConn[]; handler: TransportHandler } {
  const packets: Packet[] = [];
  const streams: StreamConn[] = [];
  return { packets, streams, handler: { packet: (p) => packets.push(p), stream: (s) => streams.push(s) } };
}

interface Side {
  t: QuicTransport;
  rec: ReturnType<typeof recorder>;
  metrics: InMemoryMetrics;
  addr: string;
}

async function pair(extraA: Partial<QuicTransportConfig> = {}, extraB: Partial<QuicTransportConfig> = {}): Promise<[Side, Side]> {
  const make = async (cert: TestNodeCert, extra: Partial<QuicTransportConfig>): Promise<Side> => {
    const metrics = new InMemoryMetrics();
    const t = await transport(ca, cert, { metrics, ...extra });
    const rec = recorder();
    t.listen(rec.handler);
    return { t, rec, metrics, addr: `127.0.0.1:${t.port}` };
  };
  return [await make(n1, extraA), await make(n2, extraB)];
}

async function readAll(read: () => Promise<Uint8Array | null>): Promise<string> {
  let text = '';
  for (let c = await read(); c !== null; c = await read()) text += Buffer.from(c).toString();
  return text;
}

test('packets go as datagrams; one larger than the datagram limit arrives through the uni-stream fallback', { timeout: 15_000 }, async () => {
  const [a, b] = await pair();
  try {
    const big = Buffer.alloc(5000, 7);
    a.t.writeTo(Buffer.from('small'), b.addr); // queued behind the dial, never blocked
    a.t.writeTo(big, b.addr);
    await until(() => b.rec.packets.length === 2, 5000, 'two packets');
    const byLen = [...b.rec.packets].sort((x, y) => x.buf.length - y.buf.length);
    assert.equal(Buffer.from(byLen[0]!.buf).toString(), 'small');
    assert.ok(Buffer.from(byLen[1]!.buf).equals(big));
    assert.equal(byLen[0]!.from, a.addr);
    assert.equal(a.metrics.counter('memberlist.quic.packet.sent', { path: 'datagram' }), 1);
    assert.equal(a.metrics.counter('memberlist.quic.packet.sent', { path: 'stream' }), 1);
    // The small one left with the handshake's last flight; the big one waited for the pooled connection.
    assert.equal(a.metrics.counter('memberlist.quic.packet.early'), 1);
    assert.equal(a.metrics.timing('memberlist.quic.packet.queue_wait')?.count, 1);
    assert.equal(b.metrics.counter('memberlist.quic.packet.received', { path: 'stream' }), 1);
    assert.equal(a.t.connections().length, 1, 'one dial for both packets');
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test("packets queued behind a dial leave with the dialler's Finished, before the peer's verdict completes the dial", { timeout: 15_000 }, async () => {
  const [a, b] = await pair();
  try {
    for (let i = 0; i < 5; i++) a.t.writeTo(Buffer.from(`e${i}`), b.addr);
    assert.equal(a.metrics.counter('memberlist.quic.packet.queued'), 5);
    await until(() => b.rec.packets.length === 5, 5000, 'five packets');
    assert.equal(a.metrics.counter('memberlist.quic.packet.early'), 5);
    assert.deepEqual(b.rec.packets.map((p) => Buffer.from(p.buf).toString()).sort(), ['e0', 'e1', 'e2', 'e3', 'e4']);
    await until(() => a.t.connections().length === 1, 5000, 'the dial completes');
    a.t.writeTo(Buffer.from('pooled'), b.addr);
    await until(() => b.rec.packets.length === 6, 5000, 'the sixth');
    assert.equal(a.metrics.counter('memberlist.quic.packet.queued'), 5, 'the pooled connection carries the rest');
    assert.equal(a.metrics.counter('memberlist.quic.packet.sent', { path: 'datagram' }), 6);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('a peer without datagrams gets every packet through the stream fallback', { timeout: 15_000 }, async () => {
  const [a, b] = await pair({}, { datagrams: false });
  try {
    for (let i = 0; i < 5; i++) a.t.writeTo(Buffer.from(`p${i}`), b.addr);
    await until(() => b.rec.packets.length === 5, 5000, 'five packets');
    assert.deepEqual(b.rec.packets.map((p) => Buffer.from(p.buf).toString()).sort(), ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(a.metrics.counter('memberlist.quic.packet.sent', { path: 'stream' }), 5);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('the packet queue behind a dial is bounded; the rest are dropped and counted', { timeout: 15_000 }, async () => {
  const [a, b] = await pair({ packetQueueSize: 4 });
  try {
    for (let i = 0; i < 10; i++) a.t.writeTo(Buffer.from(`q${i}`), b.addr);
    assert.equal(a.metrics.counter('memberlist.quic.packet.dropped', { reason: 'queue-full' }), 6);
    await until(() => b.rec.packets.length === 4, 5000, 'the queued four');
    // A dial that fails drops its queue and counts it.
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const [c, d] = await pair({ dialTimeoutMs: 300 });
    try {
      c.t.writeTo(Buffer.from('lost'), `127.0.0.1:${silent.address().port}`);
      await until(() => c.metrics.counter('memberlist.quic.packet.dropped', { reason: 'dial-failed' }) === 1, 3000, 'dial-failed drop');
    } finally {
      silent.close();
      await c.t.shutdown();
      await d.t.shutdown();
    }
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('simultaneous dials end with the same single connection on both sides', { timeout: 20_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const [a, b] = await pair({ drainGraceMs: 100 }, { drainGraceMs: 100 });
    try {
      a.t.writeTo(Buffer.from('from a'), b.addr);
      b.t.writeTo(Buffer.from('from b'), a.addr);
      await until(() => a.rec.packets.length === 1 && b.rec.packets.length === 1, 5000, 'both packets');
      await until(() => a.t.connections().length === 1 && b.t.connections().length === 1, 5000, 'one connection each').catch((e: Error) => {
        throw new Error(`${e.message}: a ${JSON.stringify(a.t.connections())} b ${JSON.stringify(b.t.connections())}`);
      });
      const [ca1, cb1] = [a.t.connections()[0]!, b.t.connections()[0]!];
      // node-1 < node-2: the connection node-1 dialled is the one kept.
      assert.equal(ca1.role, 'client', `round ${round}`);
      assert.equal(cb1.role, 'server', `round ${round}`);
      assert.equal(ca1.state, 'current');
      assert.equal(cb1.state, 'current');
      const dups = a.metrics.counter('memberlist.quic.conn.duplicate') + b.metrics.counter('memberlist.quic.conn.duplicate');
      // Traffic still flows on the survivor.
      b.t.writeTo(Buffer.from('after'), a.addr);
      await until(() => a.rec.packets.length === 2, 3000, 'packet after tie-break');
      // Both dialled, so each side saw a duplicate and both agreed on one.
      assert.equal(a.t.engineStats().connectionsDialled + b.t.engineStats().connectionsDialled, 2);
      assert.equal(dups, 2);
      assert.equal(a.metrics.counter('memberlist.quic.conn.evicted', { reason: 'drained' }) + b.metrics.counter('memberlist.quic.conn.evicted', { reason: 'drained' }) >= 1, true);
    } finally {
      await a.t.shutdown();
      await b.t.shutdown();
    }
  }
});

test('a send to a peer that is dialling us waits for its connection instead of dialling a second one', { timeout: 15_000 }, async () => {
  let engineB: QuicEngine | undefined;
  const captureB = async (o: QuicEngineOptions): Promise<QuicEngine> => (engineB = await createQuicheEngine(o));
  const [a, b] = await pair({}, { createEngine: captureB });
  try {
    a.t.writeTo(Buffer.from('from a'), b.addr);
    const aHost = { host: '127.0.0.1', port: a.t.port };
    // The handshake takes a few loop turns on loopback: look at every turn.
    for (let turn = 0; engineB!.inboundHandshake?.(aHost) === undefined; turn++) {
      if (turn > 100_000) throw new Error("b never saw a's handshake");
      await new Promise((r) => setImmediate(r));
    }
    b.t.writeTo(Buffer.from('from b'), a.addr);
    await until(() => a.rec.packets.length === 1 && b.rec.packets.length === 1, 5000, 'both packets');
    assert.equal(b.metrics.counter('memberlist.quic.dial'), 0, 'b never dialled');
    assert.equal(b.metrics.counter('memberlist.quic.dial.avoided'), 1);
    assert.equal(a.t.connections().length, 1);
    assert.equal(b.t.connections().length, 1);
    assert.equal(a.metrics.counter('memberlist.quic.conn.duplicate') + b.metrics.counter('memberlist.quic.conn.duplicate'), 0);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('idle connections are evicted on both sides, and the next packet dials again', { timeout: 15_000 }, async () => {
  const quick = { idleTimeoutMs: 300, keepAliveMs: 0 };
  const [a, b] = await pair(quick, quick);
  try {
    a.t.writeTo(Buffer.from('one'), b.addr);
    await until(() => b.rec.packets.length === 1, 3000, 'first packet');
    assert.equal(b.t.connections().length, 1);
    await until(() => a.t.connections().length === 0 && b.t.connections().length === 0, 3000, 'eviction on both sides');
    a.t.writeTo(Buffer.from('two'), b.addr);
    await until(() => b.rec.packets.length === 2, 3000, 'second packet');
    assert.equal(a.t.engineStats().connectionsDialled, 2);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('keep-alives keep an idle pooled connection; max connection age retires it', { timeout: 15_000 }, async () => {
  const [a, b] = await pair({ idleTimeoutMs: 400, keepAliveMs: 100, maxConnectionAgeMs: 700, poolSweepIntervalMs: 100, drainGraceMs: 50 }, { idleTimeoutMs: 400, keepAliveMs: 100 });
  try {
    a.t.writeTo(Buffer.from('one'), b.addr);
    await until(() => b.rec.packets.length === 1, 3000, 'first packet');
    await sleep(500);
    assert.equal(a.t.connections().length, 1, 'kept alive past the idle timeout');
    await until(() => a.metrics.counter('memberlist.quic.conn.evicted', { reason: 'max-age' }) === 1, 3000, 'retired');
    await until(() => a.t.connections().length === 0, 3000, 'drained and closed');
    a.t.writeTo(Buffer.from('two'), b.addr);
    await until(() => b.rec.packets.length === 2, 3000, 'second packet on a new connection');
    assert.equal(a.t.engineStats().connectionsDialled, 2);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('application streams carry bytes and never reach memberlist; memberlist streams carry a kind byte unseen by it', { timeout: 15_000 }, async () => {
  const [a, b] = await pair();
  try {
    const seen: { from: string; peerName: string }[] = [];
    a.t.onAppStream((s: QuicStream, info) => {
      seen.push(info);
      void (async () => {
        const req = await readAll(() => s.read());
        await s.end(Buffer.from(`echo:${req}`));
      })();
    });
    const s = await b.t.openAppStream(a.addr);
    await s.end(Buffer.from('app bytes'));
    assert.equal(await readAll(() => s.read()), 'echo:app bytes');
    assert.deepEqual(seen, [{ from: b.addr, peerName: 'node-2' }]);

    const m = await b.t.dialTimeout(a.addr, 2000);
    m.write(Buffer.from('memberlist bytes'));
    await until(() => a.rec.streams.length === 1, 3000, 'memberlist stream');
    const inbound = a.rec.streams[0]!;
    assert.equal(Buffer.from((await inbound.read())!).toString(), 'memberlist bytes');
    inbound.write(Buffer.from('reply'));
    inbound.close();
    assert.equal(await readAll(() => m.read()), 'reply');
    m.close();
    assert.equal(a.rec.streams.length, 1, 'the app stream never reached memberlist');
    assert.equal(a.metrics.counter('memberlist.quic.stream.accepted', { kind: 'app' }), 1);
    assert.equal(a.metrics.counter('memberlist.quic.stream.accepted', { kind: 'memberlist' }), 1);

    // Without a handler, application streams are refused and counted.
    a.t.onAppStream(undefined);
    const refused = await b.t.openAppStream(a.addr);
    await refused.end(Buffer.from('x'));
    await assert.rejects(readAll(() => refused.read()));
    assert.equal(a.metrics.counter('memberlist.quic.stream.dropped', { reason: 'app-no-handler' }), 1);
    assert.equal(a.rec.streams.length, 1);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test("with Go's ALPN only, memberlist streams are raw (no kind byte) and app streams are refused locally", { timeout: 15_000 }, async () => {
  const [a, b] = await pair({}, { shoalAlpn: false });
  try {
    const m = await b.t.dialTimeout(a.addr, 2000);
    m.write(Buffer.from('raw'));
    await until(() => a.rec.streams.length === 1, 3000, 'memberlist stream');
    assert.equal(Buffer.from((await a.rec.streams[0]!.read())!).toString(), 'raw');
    assert.equal(a.t.connections()[0]!.alpn, 'memberlist-quic/1');
    await assert.rejects(b.t.openAppStream(a.addr), /application streams need shoal-quic\/1/);
    m.close();
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('requireNodeName: a dial by name to a node holding another name is refused in the handshake', { timeout: 15_000 }, async () => {
  const [a, b] = await pair({ requireNodeName: true, dialTimeoutMs: 1000 });
  try {
    await assert.rejects(a.t.dialAddressTimeout({ addr: b.addr, name: 'node-3' }, 2000));
    assert.equal(a.metrics.counter('memberlist.quic.handshake.refused', { reason: 'wrong-name' }), 1);
    const ok = await a.t.dialAddressTimeout({ addr: b.addr, name: 'node-2' }, 2000);
    ok.close();
    // An inbound connection is checked when it is first used for a name: b dials a; a then sends to "node-9" at b's address.
    b.t.writeTo(Buffer.from('hi'), a.addr);
    await until(() => a.rec.packets.length === 1, 3000, 'packet from b');
    a.t.writeToAddress(Buffer.from('to the wrong name'), { addr: b.addr, name: 'node-9' });
    assert.equal(a.metrics.counter('memberlist.quic.handshake.refused', { reason: 'wrong-name' }), 2);
  } finally {
    await a.t.shutdown();
    await b.t.shutdown();
  }
});

test('shutdown closes every connection and the socket; later sends fail', { timeout: 15_000 }, async () => {
  const [a, b] = await pair();
  a.t.writeTo(Buffer.from('x'), b.addr);
  await until(() => b.rec.packets.length === 1, 3000, 'packet');
  const m = await a.t.dialTimeout(b.addr, 2000);
  const pending = m.read();
  await a.t.shutdown();
  await assert.rejects(pending);
  await until(() => b.t.connections().length === 0, 3000, 'peer sees the close');
  assert.throws(() => a.t.writeTo(Buffer.from('y'), b.addr), /shut down/);
  await assert.rejects(a.t.dialTimeout(b.addr, 100), /shut down/);
  const port = a.t.port;
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
  s.close();
  await b.t.shutdown();
  await a.t.shutdown(); // twice is fine
});
