import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { RealClock } from '@shoal/kit';
import { createQuicheEngine } from './real-quiche-engine.js';
import { QuicHandshakeError } from './errors.js';
import type { QuicConnection, QuicEngine, QuicEngineOptions, QuicStream } from './types.js';
import { chainVerifier, makeCa, makeNodeCert, type TestCa, type TestNodeCert } from './testing/certs.js';

const ALPN = 'memberlist-quic/1';
const clock = new RealClock({ unref: true });
let ca: TestCa;
let rogueCa: TestCa;
let n1: TestNodeCert;
let n2: TestNodeCert;
let rogue: TestNodeCert;

before(async () => {
  ca = await makeCa('shoal');
  rogueCa = await makeCa('rogue');
  n1 = await makeNodeCert(ca, 'node-1');
  n2 = await makeNodeCert(ca, 'node-2');
  rogue = await makeNodeCert(rogueCa, 'intruder');
});

function engine(cert: TestNodeCert, trust: TestCa, extra: Partial<QuicEngineOptions> = {}, seen: { cn: string; role: string }[] = []): Promise<QuicEngine> {
  return createQuicheEngine({
    host: '127.0.0.1',
    port: 0,
    clock,
    alpn: [ALPN],
    tls: { ca: trust.certPem, cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(trust.certPem, seen) },
    ...extra,
  });
}

async function firstIncoming(e: QuicEngine): Promise<QuicConnection> {
  for await (const c of e.incoming) return c;
  throw new Error('engine closed');
}

async function withPair(
  fn: (a: QuicEngine, b: QuicEngine, ab: QuicConnection, ba: QuicConnection) => Promise<void>,
  extraA: Partial<QuicEngineOptions> = {},
  extraB: Partial<QuicEngineOptions> = {},
): Promise<void> {
  const a = await engine(n1, ca, extraA);
  const b = await engine(n2, ca, extraB);
  try {
    const inbound = firstIncoming(b);
    const ab = await a.dial(b.local, { alpn: [ALPN], timeoutMs: 5000 });
    const ba = await inbound;
    await fn(a, b, ab, ba);
  } finally {
    await a.close();
    await b.close();
  }
}

async function readAll(s: QuicStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of s) parts.push(c);
  return Buffer.concat(parts);
}

test('mutual TLS handshake: each side verifies the other and sees its certificate and ALPN', { timeout: 10_000 }, async () => {
  const seenA: { cn: string; role: string }[] = [];
  const seenB: { cn: string; role: string }[] = [];
  const a = await engine(n1, ca, {}, seenA);
  const b = await engine(n2, ca, {}, seenB);
  try {
    const inbound = firstIncoming(b);
    const ab = await a.dial(b.local, { alpn: ['shoal-quic/1', ALPN], timeoutMs: 5000 });
    const ba = await inbound;
    assert.equal(ab.alpn, ALPN);
    assert.equal(ba.alpn, ALPN);
    assert.deepEqual(seenA, [{ cn: 'node-2', role: 'client' }]);
    assert.deepEqual(seenB, [{ cn: 'node-1', role: 'server' }]);
    assert.ok(ab.peerCertificates.length >= 1 && ba.peerCertificates.length >= 1);
    assert.equal(ba.remote.port, a.local.port, 'dials come from the listening socket');
    assert.equal(a.stats().connectionsDialled, 1);
    assert.equal(b.stats().connectionsAccepted, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('datagram round trip', { timeout: 10_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    ba.onDatagram((d) => assert.equal(ba.sendDatagram(d), 'sent'));
    for (let i = 0; i < 20; i++) {
      const got = new Promise<Uint8Array>((resolve) => ab.onDatagram(resolve));
      const msg = Buffer.from(`ping ${i}`);
      assert.equal(ab.sendDatagram(msg), 'sent');
      assert.deepEqual(Buffer.from(await got), msg);
    }
    assert.ok((ab.maxDatagramSize() ?? 0) >= 1400);
  });
});
