// Hostile input on a QuicTransport's socket (issue 18 item 6): each kind is
// dropped and counted in its metrics, what it holds stays within the
// configured caps, and the transport keeps serving an honest member.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ALPN_SHOAL } from './framing.js';
import { InMemoryMetrics } from '@shoal/kit';
import { clock, makeCa, makeNodeCert, member, sleep, until, type Member, type TestCa, type TestNodeCert } from './testing/members.js';
import { garbageDatagrams, halfOpenHandshakes, hostileEngine, rawSocket, sendTo } from './testing/hostile-peer-real.js';

let ca: TestCa;
const certs = new Map<string, TestNodeCert>();

before(async () => {
  ca = await makeCa('shoal');
  for (const n of ['node-1', 'node-2', 'hostile']) certs.set(n, await makeNodeCert(ca, n));
});

const engineCount = (m: Member, stat: string): number => m.metrics.counter(`memberlist.quic.engine.${stat}`);

/** An honest member still joins `target` afterwards, and the hostile traffic did not leave it holding anything. */
async function stillServes(target: Member): Promise<void> {
  const honest = await member('node-2', ca, certs.get('node-2')!);
  try {
    assert.equal(await honest.list.join([target.addr]), 1);
    await until(() => target.list.numMembers() === 2, 8000, 'the honest member joined');
  } finally {
    await honest.list.shutdown();
  }
}

test('garbage datagrams: every one dropped and counted by kind, no connection held', { timeout: 20_000 }, async () => {
  const target = await member('node-1', ca, certs.get('node-1')!);
  const sock = await rawSocket();
  try {
    const garbage = garbageDatagrams(600);
    for (const buf of garbage) await sendTo(sock, target.transport.port, buf);
    await until(() => target.transport.engineStats().packetsIn >= garbage.length, 5000, 'all garbage read');
    const kinds = ['droppedGarbage', 'droppedUnknownCid', 'droppedUnsupportedVersion'];
    const counted = kinds.reduce((n, k) => n + engineCount(target, k), 0);
    assert.equal(counted, garbage.length, JSON.stringify(target.transport.engineStats()));
    for (const k of kinds) assert.ok(engineCount(target, k) > 0, `some ${k}`);
    assert.equal(target.transport.engineStats().connections, 0);
    await stillServes(target);
  } finally {
    sock.close();
    await target.list.shutdown();
  }
});

test('half-open handshakes: at most maxPendingHandshakes held, the rest dropped and counted, all released at the handshake timeout', { timeout: 20_000 }, async () => {
  const cap = 16;
  // The engine's handshake deadline is twice the dial timeout.
  const target = await member('node-1', ca, certs.get('node-1')!, { dialTimeoutMs: 400, engine: { maxPendingHandshakes: cap } });
  const sock = await rawSocket();
  try {
    let peak = 0;
    const sampler = clock.every(5, () => (peak = Math.max(peak, target.transport.engineStats().pendingHandshakes)));
    await halfOpenHandshakes(sock, target.transport.port, 100, certs.get('hostile')!, [ALPN_SHOAL]);
    await until(() => engineCount(target, 'droppedHandshakeLimit') + target.transport.engineStats().pendingHandshakes + engineCount(target, 'handshakesTimedOut') >= 100, 5000, 'all Initials seen');
    await until(() => target.transport.engineStats().connections === 0, 5000, 'half-open connections released');
    sampler.cancel();
    assert.ok(peak <= cap, `peak ${peak} pending handshakes > cap ${cap}`);
    assert.ok(peak > 0);
    // Initials arriving once earlier ones timed out may be let in: every Initial is either held until its timeout or dropped.
    assert.equal(engineCount(target, 'handshakesTimedOut') + engineCount(target, 'droppedHandshakeLimit'), 100);
    assert.ok(engineCount(target, 'droppedHandshakeLimit') >= 100 - 2 * cap);
    assert.equal(target.transport.engineStats().pendingHandshakes, 0);
    await stillServes(target);
  } finally {
    sock.close();
    await target.list.shutdown();
  }
});

test('a peer that opens many streams and never finishes them: at most maxStreamsUni/Bidi held, each dropped and counted at its timeout', { timeout: 30_000 }, async () => {
  const cap = 8;
  const timeoutMs = 300;
  const memberlistMetrics = new InMemoryMetrics();
  const target = await member('node-1', ca, certs.get('node-1')!, { streamHeaderTimeoutMs: timeoutMs, engine: { maxStreamsBidi: cap, maxStreamsUni: cap } }, { streamFirstMessageTimeoutMs: timeoutMs, metrics: memberlistMetrics });
  const hostile = await hostileEngine(clock, ca, certs.get('hostile')!, [ALPN_SHOAL]);
  try {
    const conn = await hostile.dial({ host: '127.0.0.1', port: target.transport.port }, { alpn: [ALPN_SHOAL], timeoutMs: 5000 });
    let peak = 0;
    const sampler = clock.every(5, () => {
      for (const c of target.transport.connections()) peak = Math.max(peak, c.openStreams);
    });
    // A QUIC stream exists for the peer from its first byte: packet streams send half a frame header,
    // memberlist streams only their kind byte, and then nothing. The hostile never resets them, so it
    // cannot open more than the caps (it waits for stream credit that never comes).
    let uniOpened = 0;
    let bidiOpened = 0;
    for (let i = 0; i < 3 * cap; i++) {
      void conn.openUni().then((s) => (uniOpened++, s.write(Uint8Array.of(0, 0)))).catch(() => undefined);
      void conn.openBidi().then((s) => (bidiOpened++, s.write(Uint8Array.of(0)))).catch(() => undefined);
    }
    const headerTimeouts = (): number => target.metrics.counter('memberlist.quic.stream.dropped', { reason: 'header-timeout' });
    const firstMessageTimeouts = (): number => memberlistMetrics.counter('memberlist.tcp.pending_timeout');
    await until(() => headerTimeouts() >= cap && firstMessageTimeouts() >= cap, 10_000, 'streams dropped at their timeouts');
    await sleep(3 * timeoutMs);
    sampler.cancel();
    assert.equal(uniOpened, cap, 'the hostile could open only the uni cap');
    assert.equal(bidiOpened, cap, 'the hostile could open only the bidi cap');
    assert.equal(headerTimeouts(), cap);
    assert.equal(firstMessageTimeouts(), cap);
    assert.ok(peak > 0 && peak <= 2 * cap, `peak ${peak} open streams, caps ${cap} + ${cap}`);
    await until(() => target.transport.connections().every((c) => c.openStreams === 0), 5000, 'no stream left open');
    await stillServes(target);
  } finally {
    await hostile.close();
    await target.list.shutdown();
  }
});

test('more connections than maxConnections: the excess dropped and counted, never more held', { timeout: 30_000 }, async () => {
  const cap = 4;
  const target = await member('node-1', ca, certs.get('node-1')!, { engine: { maxConnections: cap } });
  const hostiles = await Promise.all(Array.from({ length: 10 }, () => hostileEngine(clock, ca, certs.get('hostile')!, [ALPN_SHOAL])));
  try {
    let peak = 0;
    const sampler = clock.every(5, () => (peak = Math.max(peak, target.transport.engineStats().connections)));
    const dials = await Promise.allSettled(hostiles.map((h) => h.dial({ host: '127.0.0.1', port: target.transport.port }, { alpn: [ALPN_SHOAL], timeoutMs: 1500 })));
    sampler.cancel();
    const up = dials.filter((d) => d.status === 'fulfilled').length;
    assert.equal(up, cap);
    assert.ok(peak <= cap, `peak ${peak} connections > cap ${cap}`);
    // Each refused dialler retransmits its Initial until it gives up: every one of them is counted.
    assert.ok(engineCount(target, 'droppedConnectionLimit') >= 10 - cap, `${engineCount(target, 'droppedConnectionLimit')} dropped`);
    // Freeing the slots lets an honest member in again.
    await Promise.all(hostiles.map((h) => h.close()));
    await until(() => target.transport.engineStats().connections === 0, 5000, 'hostile connections gone');
    await stillServes(target);
  } finally {
    await Promise.all(hostiles.map((h) => h.close()));
    await target.list.shutdown();
  }
});


