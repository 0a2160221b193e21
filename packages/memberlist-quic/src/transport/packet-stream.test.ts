// The receiving side of the packet-stream fallback, against a peer that
// sends like quic-go: the frame's bytes first, its FIN in a later packet.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Packet } from '@shoal/memberlist';
import { createQuicheEngine } from '../engine/real-quiche-engine.js';
import { chainVerifier } from '../engine/testing/certs.js';
import type { QuicStream } from '../engine/types.js';
import { ALPN_MEMBERLIST, encodePacketFrame } from './framing.js';
import { clock, makeCa, makeNodeCert, transport, until, type TestCa, type TestNodeCert } from './testing/members.js';

let ca: TestCa;
let n1: TestNodeCert;
let n2: TestNodeCert;

before(async () => {
  ca = await makeCa('shoal');
  n1 = await makeNodeCert(ca, 'node-1');
  n2 = await makeNodeCert(ca, 'node-2');
});

/** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    promise.then((v) => (clearTimeout(timer), resolve(v)), (e: unknown) => (clearTimeout(timer), reject(e)));
  });
}

// The engine grants a peer 100 unidirectional streams at a time (maxStreamsUni)
// and more only as streams are collected; a stream whose reading was stopped
// before its FIN arrived never was, so the 101st packet stream stalled.
test('a peer that sends each packet stream\'s FIN after its payload keeps getting stream credit', { timeout: 30_000 }, async () => {
  const COUNT = 250;
  const receiver = await transport(ca, n1);
  const packets: Packet[] = [];
  receiver.listen({ packet: (p) => packets.push(p), stream: () => undefined });
  const peer = await createQuicheEngine({
    host: '127.0.0.1',
    port: 0,
    clock,
    alpn: [ALPN_MEMBERLIST],
    tls: { cert: n2.certPem, key: n2.keyPem, verifyPeer: chainVerifier(ca.certPem, []) },
  });
  try {
    const conn = await peer.dial({ host: '127.0.0.1', port: receiver.port }, { alpn: [ALPN_MEMBERLIST], timeoutMs: 5000 });
    for (let i = 0; i < COUNT; i++) {
      const stream: QuicStream = await within(conn.openUni(), 3000, `opening packet stream ${i + 1} (stream credit not renewed)`);
      await within(stream.write(encodePacketFrame(Buffer.from(`packet ${i}`))), 3000, `writing packet ${i}`);
      await until(() => packets.length === i + 1, 3000, `packet ${i} delivered before its FIN`);
      // The FIN follows; the receiver may already have stopped reading, which fails this end().
      stream.end().catch(() => undefined);
    }
    assert.deepEqual(packets.map((p) => Buffer.from(p.buf).toString()), Array.from({ length: COUNT }, (_, i) => `packet ${i}`));
  } finally {
    await peer.close();
    await receiver.shutdown();
  }
});
