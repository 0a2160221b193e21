// Hostile traffic on real loopback sockets against a QuicTransport, for its
// resource-limit tests: garbage datagrams, client Initials that never finish
// their handshake, and connections that open streams and never write.
import { createSocket, type Socket } from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import type { Clock } from '@shoal/kit';
import { buildNativeConfig, quiche } from '../../engine/native.js';
import { createQuicheEngine } from '../../engine/real-quiche-engine.js';
import { chainVerifier, type TestCa, type TestNodeCert } from '../../engine/testing/certs.js';
import type { QuicEngine } from '../../engine/types.js';

/** A raw UDP socket on loopback that ignores whatever comes back. */
export async function rawSocket(): Promise<Socket> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  sock.on('message', () => {});
  return sock;
}

export function sendTo(sock: Socket, port: number, buf: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => sock.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/**
 * `n` pseudo-random datagrams (seeded): empty and tiny ones, random bytes,
 * long headers of random versions (some 1200 bytes, as an Initial must be),
 * Initial-typed long headers of QUIC v1 with random contents, and short
 * headers with random connection IDs.
 */
export function garbageDatagrams(n: number, seed = 12345): Buffer[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const len = [0, 1, 5, 30, 1200, 1350][i % 6]!;
    const buf = Buffer.alloc(len);
    for (let j = 0; j < len; j++) buf[j] = rnd();
    if (len > 0) {
      const shape = i % 4;
      if (shape === 0 && len >= 16) {
        buf[0] = 0xc0 | (buf[0]! & 0x0f); // long header of a random version, with sane connection-ID lengths
        buf[5] = 8;
        buf[14] = 8;
      }
      if (shape === 1 && len >= 7) {
        buf[0] = 0xc0; // QUIC v1 Initial with random contents
        buf.writeUInt32BE(1, 1);
        buf[5] = 8;
      }
      if (shape === 2) buf[0] = 0x40 | (buf[0]! & 0x3f); // short header, random connection ID
    }
    out.push(buf);
  }
  return out;
}

/**
 * Sends `n` genuine client Initials (each from a new quiche client connection,
 * so each would open a server connection) from `sock`, and never answers the
 * server: half-open handshakes. The client material can be anything: the
 * server only sees the certificate later in a handshake that never comes.
 */
export async function halfOpenHandshakes(sock: Socket, port: number, n: number, cert: TestNodeCert, alpn: readonly string[]): Promise<void> {
  const config = buildNativeConfig({
    cert: cert.certPem, key: cert.keyPem, alpn, idleTimeoutMs: 30_000, maxUdpPayload: 1452,
    datagrams: true, maxStreamsBidi: 100, maxStreamsUni: 100, streamWindow: 1 << 20, connectionWindow: 10 << 20,
  });
  const local = { host: '127.0.0.1', port: sock.address().port };
  const out = Buffer.alloc(1452);
  for (let i = 0; i < n; i++) {
    const conn = quiche.Connection.connect(null, randomFillSync(Buffer.alloc(16)), local, { host: '127.0.0.1', port }, config);
    const sent = conn.send(out);
    if (sent === null) throw new Error('quiche produced no Initial');
    await sendTo(sock, port, out.subarray(0, sent[0]));
  }
}

/** A well-behaved QUIC endpoint with a certificate from `ca`, to be used badly. */
export function hostileEngine(clock: Clock, ca: TestCa, cert: TestNodeCert, alpn: readonly string[]): Promise<QuicEngine> {
  return createQuicheEngine({
    host: '127.0.0.1',
    port: 0,
    clock,
    alpn,
    tls: { cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(ca.certPem) },
  });
}
