// memberlist-quic engine bench: QUIC datagram and stream round trips and 1 MiB
// stream throughput over the lean quiche driver, beside plain UDP and TCP+TLS
// measured in the same run. Client and server share one process (one event loop).
// Run: node --conditions=source --import tsx bench/memberlist-quic.ts [--quick]
// Prints JSON lines: {"transport", "rtt_p50_ms", "rtt_p99_ms", "cpu_us_per_rt", ...} and throughput rows.
import { createSocket } from 'node:dgram';
import { loadavg } from 'node:os';
import * as tls from 'node:tls';
import { RealClock } from '@shoal/kit';
import { createQuicheEngine, type QuicConnection, type QuicEngine, type QuicStream } from '@shoal/memberlist-quic';
import { chainVerifier, makeCa, makeNodeCert } from '../packages/memberlist-quic/src/engine/testing/certs.js';

const quick = process.argv.includes('--quick');
const N = quick ? 300 : 2000;
const WARM = 100;
const MiB = 1024 * 1024;
const clock = new RealClock({ unref: true });
const payload = Buffer.alloc(100, 7);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000) / 1000;
}

async function rtts(label: string, once: () => Promise<void>, n = N, extra: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < WARM; i++) await once();
  const xs: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ transport: label, rtt_p50_ms: pct(xs, 50), rtt_p99_ms: pct(xs, 99), n, cpu_us_per_rt: Math.round(((cpu.user + cpu.system) / n) * 10) / 10, ...extra }));
}

async function readAll(s: QuicStream): Promise<number> {
  let n = 0;
  for await (const c of s) n += c.length;
  return n;
}

async function quic(ca: Awaited<ReturnType<typeof makeCa>>): Promise<void> {
  const c1 = await makeNodeCert(ca, 'n1');
  const c2 = await makeNodeCert(ca, 'n2');
  const mk = (c: typeof c1): Promise<QuicEngine> =>
    createQuicheEngine({ host: '127.0.0.1', port: 0, clock, alpn: ['memberlist-quic/1'], tls: { ca: ca.certPem, cert: c.certPem, key: c.keyPem, verifyPeer: chainVerifier(ca.certPem) } });
  const a = await mk(c1);
  const b = await mk(c2);
  const inbound = (async (): Promise<QuicConnection> => {
    for await (const c of b.incoming) return c;
    throw new Error('no inbound');
  })();
  const ab = await a.dial(b.local, { alpn: ['memberlist-quic/1'], timeoutMs: 5000 });
  const ba = await inbound;
  ba.onDatagram((d) => ba.sendDatagram(d));
  void (async () => {
    for await (const s of ba.incomingStreams) {
      void (async () => {
        for await (const chunk of s) await s.write(chunk);
        await s.end();
      })();
    }
  })();
  let resolveDg: (() => void) | undefined;
  ab.onDatagram(() => resolveDg?.());
  await rtts('quic-datagram', () => new Promise<void>((resolve) => {
    resolveDg = resolve;
    ab.sendDatagram(payload);
  }));
  await rtts('quic-stream', async () => {
    const s = await ab.openBidi();
    const back = readAll(s);
    await s.end(payload);
    await back;
  }, Math.min(N, 1000));
  const big = Buffer.alloc(MiB, 3);
  const runs = quick ? 3 : 10;
  const xs: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const s = await ab.openBidi();
    const back = readAll(s);
    for (let off = 0; off < MiB; off += 64 * 1024) await s.write(big.subarray(off, off + 64 * 1024));
    await s.end();
    if ((await back) !== MiB) throw new Error('short echo');
    xs.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const med = pct(xs, 50);
  console.log(JSON.stringify({ transport: 'quic-stream', bench: '1MiB-echo', ms_p50: med, mb_per_s: Math.round((MiB / 1e6 / (med / 1000)) * 10) / 10, cpu_ms_per_mib: Math.round((cpu.user + cpu.system) / 1000 / runs) }));
  console.error(JSON.stringify({ quic_client_stats: a.stats(), quic_server_stats: b.stats() }));
  await a.close();
  await b.close();
}

async function udp(): Promise<void> {
  const s1 = createSocket('udp4');
  const s2 = createSocket('udp4');
  await new Promise<void>((r) => s1.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => s2.bind(0, '127.0.0.1', r));
  const p1 = s1.address().port;
  const p2 = s2.address().port;
  s2.on('message', (m) => s2.send(m, p1, '127.0.0.1'));
  let resolve: (() => void) | undefined;
  s1.on('message', () => resolve?.());
  await rtts('udp', () => new Promise<void>((r) => {
    resolve = r;
    s1.send(payload, p2, '127.0.0.1');
  }));
  s1.close();
  s2.close();
}

async function tlsRef(ca: Awaited<ReturnType<typeof makeCa>>): Promise<void> {
  const c1 = await makeNodeCert(ca, 'n1');
  const c2 = await makeNodeCert(ca, 'n2');
  const server = tls.createServer({ key: c2.keyPem, cert: c2.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (sock) => sock.pipe(sock));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sock = tls.connect({ host: '127.0.0.1', port, key: c1.keyPem, cert: c1.certPem, ca: ca.certPem, checkServerIdentity: () => undefined, minVersion: 'TLSv1.3' });
  await new Promise<void>((r) => sock.once('secureConnect', r));
  sock.setNoDelay(true);
  let want = 0;
  let resolve: (() => void) | undefined;
  sock.on('data', (d: Buffer) => {
    want -= d.length;
    if (want <= 0) resolve?.();
  });
  await rtts('tls', () => new Promise<void>((r) => {
    resolve = r;
    want = payload.length;
    sock.write(payload);
  }));
  const big = Buffer.alloc(MiB, 3);
  const runs = quick ? 3 : 10;
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      resolve = r;
      want = MiB;
      sock.write(big);
    });
    xs.push(performance.now() - t0);
  }
  const med = pct(xs, 50);
  console.log(JSON.stringify({ transport: 'tls', bench: '1MiB-echo', ms_p50: med, mb_per_s: Math.round((MiB / 1e6 / (med / 1000)) * 10) / 10 }));
  sock.destroy();
  server.close();
}

const ca = await makeCa('bench');
console.log(JSON.stringify({ bench: 'memberlist-quic', node: process.version, loadavg: loadavg().map((x) => Math.round(x * 100) / 100), n: N }));
await udp();
await tlsRef(ca);
await quic(ca);
console.log(JSON.stringify({ bench: 'memberlist-quic', loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100) }));
