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
    tls: { cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(trust.certPem, seen) },
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

async function expectRefused(
  dialer: QuicEngine,
  listener: QuicEngine,
  alpn: string[],
): Promise<{ dialErr: QuicHandshakeError; listenErr: QuicHandshakeError }> {
  const listenErr = new Promise<QuicHandshakeError>((resolve) => listener.onHandshakeError((e) => resolve(e as QuicHandshakeError)));
  const dialErr = await dialer.dial(listener.local, { alpn, timeoutMs: 3000 }).then(
    () => assert.fail('dial should fail'),
    (e: unknown) => e as QuicHandshakeError,
  );
  assert.ok(dialErr instanceof QuicHandshakeError, String(dialErr));
  return { dialErr, listenErr: await listenErr };
}

test('a client certificate from another CA is refused; both sides see a typed error with the reason', { timeout: 10_000 }, async () => {
  const a = await engine(rogue, ca); // trusts our CA, but its own cert is from the rogue CA
  const b = await engine(n2, ca);
  try {
    const { dialErr, listenErr } = await expectRefused(a, b, [ALPN]);
    assert.equal(listenErr.by, 'local');
    assert.match(listenErr.reason, /not signed by our CA/);
    assert.equal(dialErr.by, 'peer');
    assert.equal(dialErr.transportCode, 0x100 + 48);
    assert.match(dialErr.reason, /not signed by our CA/);
    assert.equal(b.stats().handshakesRefused, 1);
    assert.equal(b.stats().connectionsAccepted, 0);
    assert.equal(a.stats().handshakesFailed, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

/** Polls (one loop turn at a time) until `e` reports an inbound handshake from `from`. */
async function inboundUnderWay(e: QuicEngine, from: QuicEngine): Promise<Promise<QuicConnection | undefined>> {
  for (let i = 0; i < 10_000; i++) {
    const p = e.inboundHandshake?.(from.local);
    if (p !== undefined) return p;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('no inbound handshake seen');
}

test('inboundHandshake: while a peer dials us, a promise of that connection; none before or after; undefined when it is refused', { timeout: 10_000 }, async () => {
  const a = await engine(n1, ca);
  const b = await engine(n2, ca);
  const r = await engine(rogue, ca);
  try {
    assert.equal(b.inboundHandshake?.(a.local), undefined);
    const accepted = firstIncoming(b);
    const dialled = a.dial(b.local, { alpn: [ALPN], timeoutMs: 5000 });
    const pending = await inboundUnderWay(b, a);
    const [viaInbound, viaIncoming] = await Promise.all([pending, accepted, dialled]);
    assert.ok(viaInbound !== undefined && viaInbound === viaIncoming, 'the same connection as incoming yields');
    assert.equal(viaInbound.role, 'server');
    assert.equal(b.inboundHandshake?.(a.local), undefined);

    const refused = r.dial(b.local, { alpn: [ALPN], timeoutMs: 5000 }).catch(() => 'refused');
    assert.equal(await (await inboundUnderWay(b, r)), undefined);
    assert.equal(await refused, 'refused');
  } finally {
    await a.close();
    await b.close();
    await r.close();
  }
});

test('a server certificate from another CA is refused by the client; both sides see it', { timeout: 10_000 }, async () => {
  const a = await engine(n1, ca);
  const b = await engine(rogue, rogueCa);
  try {
    // The client verifies last (TLS 1.3), so the server may see the connection come up and
    // then closed with the crypto error; it is still reported as a handshake error.
    const accepted = firstIncoming(b).catch(() => null);
    const { dialErr, listenErr } = await expectRefused(a, b, [ALPN]);
    assert.equal(dialErr.by, 'local');
    assert.match(dialErr.reason, /not signed by our CA/);
    // b trusts only the rogue CA, so it refuses a's certificate as well.
    assert.match(listenErr.reason, /not signed by our CA/);
    assert.equal(a.stats().handshakesRefused, 1);
    void accepted;
  } finally {
    await a.close();
    await b.close();
  }
});

test('a dialler sends datagrams as soon as it verified the server, before the server has accepted it; they arrive', { timeout: 10_000 }, async () => {
  const a = await engine(n1, ca);
  const b = await engine(n2, ca);
  try {
    const events: string[] = [];
    const accepted = firstIncoming(b);
    const ab = await a.dial(b.local, {
      alpn: [ALPN],
      timeoutMs: 5000,
      onServerVerified: (conn) => {
        // Our Finished has not even left: the server cannot have accepted us yet.
        events.push(`verified, server accepted ${b.stats().connectionsAccepted}`);
        assert.ok((conn.maxDatagramSize() ?? 0) >= 1400);
        events.push(conn.sendDatagram(Buffer.from('early')));
      },
    });
    events.push('dialled');
    assert.deepEqual(events, ['verified, server accepted 0', 'sent', 'dialled']);
    const ba = await accepted;
    const got = await new Promise<Uint8Array>((resolve) => ba.onDatagram(resolve));
    assert.equal(Buffer.from(got).toString(), 'early');
    assert.equal(ab.sendDatagram(Buffer.from('later')), 'sent');
  } finally {
    await a.close();
    await b.close();
  }
});

test('datagrams sent early to a server that then refuses the dialler never reach it; a server the dialler refuses gets none', { timeout: 10_000 }, async () => {
  const a = await engine(rogue, ca); // trusts our CA, but its own cert is from the rogue CA
  const b = await engine(n2, ca);
  const c = await engine(n1, ca);
  const r = await engine(rogue, rogueCa);
  try {
    const early: string[] = [];
    const onServerVerified = (conn: QuicConnection): void => void early.push(conn.sendDatagram(Buffer.from('early')));
    const refusedByServer = await a.dial(b.local, { alpn: [ALPN], timeoutMs: 3000, onServerVerified }).then(() => 'dialled', () => 'refused');
    assert.equal(refusedByServer, 'refused');
    assert.deepEqual(early, ['sent'], 'the client verified the server and sent');
    assert.equal(b.stats().connectionsAccepted, 0);
    assert.equal(b.stats().datagramsIn, 0);

    const refusedByClient = await c.dial(r.local, { alpn: [ALPN], timeoutMs: 3000, onServerVerified }).then(() => 'dialled', () => 'refused');
    assert.equal(refusedByClient, 'refused');
    assert.deepEqual(early, ['sent'], 'not called for a server the client refused');
    assert.equal(r.stats().datagramsIn, 0);
  } finally {
    await Promise.all([a.close(), b.close(), c.close(), r.close()]);
  }
});

test('wrong ALPN is refused on both sides', { timeout: 10_000 }, async () => {
  const a = await engine(n1, ca);
  const b = await engine(n2, ca);
  try {
    const { dialErr, listenErr } = await expectRefused(a, b, ['something-else/1']);
    assert.equal(dialErr.transportCode, 0x100 + 120);
    assert.match(dialErr.reason, /no_application_protocol/);
    assert.equal(listenErr.transportCode, 0x100 + 120);
  } finally {
    await a.close();
    await b.close();
  }
});

test('dial timeout to a silent port', { timeout: 10_000 }, async () => {
  const a = await engine(n1, ca);
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  try {
    const t0 = clock.now();
    const err = await a.dial({ host: '127.0.0.1', port: silent.address().port }, { alpn: [ALPN], timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof QuicHandshakeError && err.by === 'timeout', String(err));
    assert.ok(clock.now() - t0 < 1500);
  } finally {
    silent.close();
    await a.close();
  }
});

test('datagram too large, not negotiated or over the queue is reported, so the caller can use a stream or drop it', { timeout: 10_000 }, async () => {
  await withPair(async (a, _b, ab) => {
    const max = ab.maxDatagramSize()!;
    assert.equal(ab.sendDatagram(new Uint8Array(max + 1)), 'too-large');
    assert.equal(ab.sendDatagram(new Uint8Array(max)), 'sent');
    // quiche queues 1024 before a flush (the engine flushes after this synchronous burst); the rest are refused, not queued.
    const results = Array.from({ length: 1100 }, () => ab.sendDatagram(new Uint8Array(10)));
    assert.equal(results.filter((r) => r === 'sent').length, 1023);
    assert.equal(results.filter((r) => r === 'queue-full').length, 77);
    assert.equal(a.stats().datagramsDropped, 77);
  });
  await withPair(
    async (_a, _b, ab, _ba) => {
      assert.equal(ab.maxDatagramSize(), null);
      assert.equal(ab.sendDatagram(new Uint8Array(10)), 'not-negotiated');
    },
    {},
    { datagrams: false },
  );
});

test('bidi stream echo of 1 MiB', { timeout: 20_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    void (async () => {
      for await (const s of ba.incomingStreams) {
        void (async () => {
          for await (const chunk of s) await s.write(chunk);
          await s.end();
        })();
      }
    })();
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const s = await ab.openBidi();
    const back = readAll(s);
    for (let off = 0; off < data.length; off += 64 * 1024) await s.write(data.subarray(off, off + 64 * 1024));
    await s.end();
    const got = await back;
    assert.equal(got.length, data.length);
    assert.ok(Buffer.from(got).equals(data));
    await s.done;
  });
});

test('uni stream: data and FIN arrive', { timeout: 10_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    const incoming = (async () => {
      for await (const s of ba.incomingStreams) return s;
      throw new Error('no stream');
    })();
    const s = await ab.openUni();
    assert.equal(s.bidi, false);
    await s.end(Buffer.from('one packet'));
    const r = await incoming;
    assert.equal(r.bidi, false);
    assert.equal(r.local, false);
    assert.equal(Buffer.from(await readAll(r)).toString(), 'one packet');
    await assert.rejects(r.write(Buffer.from('x')));
  });
});

test('many concurrent streams (more than the peer allows at once)', { timeout: 20_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    void (async () => {
      for await (const s of ba.incomingStreams) {
        void (async () => {
          const req = await readAll(s);
          await s.end(Buffer.concat([Buffer.from('re:'), req]));
        })();
      }
    })();
    const N = 300;
    const replies = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const s = await ab.openBidi();
        const back = readAll(s);
        await s.end(Buffer.from(String(i)));
        return Buffer.from(await back).toString();
      }),
    );
    assert.deepEqual(replies, Array.from({ length: N }, (_, i) => `re:${i}`));
  });
});

test('peer streams beyond the backlog wait for the application instead of being refused', { timeout: 20_000 }, async () => {
  await withPair(
    async (_a, b, ab, ba) => {
      const N = 20;
      // Every stream (data and FIN) arrives, in one batch or a few, before the application takes any.
      const replies = Array.from({ length: N }, async (_, i) => {
        const s = await ab.openBidi();
        const back = readAll(s);
        await s.end(Buffer.from(String(i)));
        return Buffer.from(await back).toString();
      });
      await new Promise((r) => setTimeout(r, 300));
      void (async () => {
        for await (const s of ba.incomingStreams) {
          void (async () => {
            const req = await readAll(s);
            await s.end(Buffer.concat([Buffer.from('re:'), req]));
          })();
        }
      })();
      assert.deepEqual(await Promise.all(replies), Array.from({ length: N }, (_, i) => `re:${i}`));
      assert.equal(b.stats().streamsRefused, 0);
    },
    {},
    { streamBacklog: 2 },
  );
});

test('a peer stream whose data comes after a later stream\'s (loss, reordering) is still delivered', { timeout: 10_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    const accepted = ba.incomingStreams[Symbol.asyncIterator]();
    const first = await ab.openBidi();
    const second = await ab.openBidi();
    // Opening sends nothing: the server first hears of the second stream.
    await second.end(Buffer.from('second'));
    const s2 = (await accepted.next()).value as QuicStream;
    assert.equal(s2.id, second.id);
    assert.equal(Buffer.from(await readAll(s2)).toString(), 'second');
    await first.end(Buffer.from('first'));
    const s1 = (await accepted.next()).value as QuicStream;
    assert.equal(s1.id, first.id);
    assert.equal(Buffer.from(await readAll(s1)).toString(), 'first');
  });
});

test('stream reset by the peer surfaces as a typed error', { timeout: 10_000 }, async () => {
  await withPair(async (_a, _b, ab, ba) => {
    void (async () => {
      for await (const s of ba.incomingStreams) s.reset(7);
    })();
    const s = await ab.openBidi();
    await s.write(Buffer.from('hello'));
    await assert.rejects(readAll(s), (e: Error & { errorCode?: number }) => e.name === 'QuicStreamResetError' && e.errorCode === 7);
  });
});

test('idle timeout closes the connection on both sides', { timeout: 10_000 }, async () => {
  await withPair(
    async (_a, _b, ab, ba) => {
      const [x, y] = await Promise.all([ab.closed, ba.closed]);
      assert.equal(x.initiator, 'idle-timeout');
      assert.equal(y.initiator, 'idle-timeout');
      assert.equal(ab.isClosed, true);
      assert.equal(ab.sendDatagram(Buffer.from('x')), 'closed');
      await assert.rejects(ab.openBidi());
    },
    { idleTimeoutMs: 300, keepAliveMs: 0 },
    { idleTimeoutMs: 300, keepAliveMs: 0 },
  );
});

test('keep-alive keeps an idle connection open', { timeout: 10_000 }, async () => {
  await withPair(
    async (_a, _b, ab) => {
      await new Promise((r) => clock.after(900, () => r(undefined)));
      assert.equal(ab.isClosed, false);
    },
    { idleTimeoutMs: 300, keepAliveMs: 100 },
    { idleTimeoutMs: 300, keepAliveMs: 100 },
  );
});

test('keep-alive on one side only keeps both ends open, and PINGs only a connection that heard nothing', { timeout: 10_000 }, async () => {
  await withPair(
    async (a, b, ab, ba) => {
      const before = a.stats().packetsOut + b.stats().packetsOut;
      await new Promise((r) => clock.after(1000, () => r(undefined)));
      assert.equal(ab.isClosed, false);
      assert.equal(ba.isClosed, false);
      // a PINGs every other 100 ms period (the period after b's ACK it has heard from b): about 5 PINGs
      // and 5 ACKs in 1 s, against 10 + 10 when every period PINGs.
      const sent = a.stats().packetsOut + b.stats().packetsOut - before;
      assert.ok(sent >= 4 && sent <= 15, `${sent} packets in 1 s`);
    },
    { idleTimeoutMs: 600, keepAliveMs: 100 },
    { idleTimeoutMs: 600, keepAliveMs: 0 },
  );
});

test('close() with a code and reason reaches the peer; engine close releases the socket', { timeout: 10_000 }, async () => {
  let port = 0;
  await withPair(async (_a, b, ab, ba) => {
    port = b.local.port;
    ab.close(42, 'bye');
    const info = await ba.closed;
    assert.deepEqual(info, { initiator: 'peer', isApp: true, code: 42, reason: 'bye' });
  });
  // The port is free again.
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
  s.close();
});

test('garbage datagrams are dropped and counted, never crash', { timeout: 10_000 }, async () => {
  await withPair(async (_a, b, ab, ba) => {
    const sock = createSocket('udp4');
    const send = (buf: Uint8Array): Promise<void> => new Promise((r) => sock.send(buf, b.local.port, '127.0.0.1', () => r()));
    const before = { ...b.stats() };
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 300; i++) {
      const len = [0, 1, 5, 30, 1200, 1350][i % 6]!;
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rnd();
      if (i % 3 === 0 && len > 0) buf[0] = 0xc0; // a long header (Initial) with random contents
      if (i % 3 === 1 && len > 0) buf[0] = 0x40; // a short header with a random connection ID
      await send(buf);
    }
    sock.close();
    await new Promise((r) => clock.after(100, () => r(undefined)));
    const st = b.stats();
    const dropped = st.droppedGarbage + st.droppedUnknownCid - before.droppedGarbage - before.droppedUnknownCid;
    const arrived = st.packetsIn - before.packetsIn;
    assert.ok(arrived >= 100 && dropped >= arrived - 3, `dropped ${dropped} ${JSON.stringify(st)}`);
    assert.equal(st.connectionsAccepted, 1);
    // The real connection still works.
    const got = new Promise<Uint8Array>((resolve) => ba.onDatagram(resolve));
    assert.equal(ab.sendDatagram(Buffer.from('still here')), 'sent');
    assert.equal(Buffer.from(await got).toString(), 'still here');
  });
});
