// The round-trip and throughput rows of bench/memberlist-quic.ts: QUIC
// (datagrams, a new bidirectional stream per request, 1 MiB streams) over the
// lean quiche engine, and plain UDP and TCP+TLS 1.3 (mutual) as references.
// Client and server share this process (one event loop), so every CPU figure
// covers both ends.
import { createSocket } from 'node:dgram';
import * as tls from 'node:tls';
import { RealClock } from '@shoal/kit';
import { createQuicheEngine, type QuicConnection, type QuicEngine, type QuicStream } from '@shoal/memberlist-quic';
import { chainVerifier, makeNodeCert, type TestCa } from '../../packages/memberlist-quic/src/engine/testing/certs.js';

export type Row = Record<string, unknown>;
export interface RoundTripOptions {
  /** Timed round trips per row (after WARM untimed ones). */
  n: number;
  /** 1 MiB transfers per throughput row. */
  runs: number;
}

const WARM = 100;
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const clock = new RealClock({ unref: true });
const payload = Buffer.alloc(100, 7);
const big = Buffer.alloc(MiB, 3);
/** The first chunk of a one-way transfer: its first byte marks the stream as a sink. */
const sinkFirst = Buffer.alloc(CHUNK, 3).fill(0x73, 0, 1);

export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000) / 1000;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const cpuUs = (c: NodeJS.CpuUsage): number => c.user + c.system;

/** Times `once` n times; `packets()` (optional) counts UDP datagrams sent so far by both ends. */
async function rtts(transport: string, once: () => Promise<void>, n: number, packets?: () => number): Promise<Row> {
  for (let i = 0; i < WARM; i++) await once();
  const xs: number[] = [];
  const p0 = packets?.() ?? 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  const cpu = cpuUs(process.cpuUsage(cpu0));
  const row: Row = { transport, rtt_p50_ms: pct(xs, 50), rtt_p99_ms: pct(xs, 99), n, cpu_us_per_rt: round1(cpu / n) };
  if (packets !== undefined) {
    const sent = packets() - p0;
    row.packets_per_rt = round1(sent / n);
    row.cpu_us_per_packet = round1(cpu / sent);
  }
  return row;
}

/** Times `once` (one 1 MiB transfer) `runs` times. */
async function throughput(transport: string, bench: string, once: () => Promise<void>, runs: number, packets?: () => number): Promise<Row> {
  await once(); // warm: the congestion window and the flow-control windows grow
  const xs: number[] = [];
  const p0 = packets?.() ?? 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const elu0 = performance.eventLoopUtilization();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  const cpu = cpuUs(process.cpuUsage(cpu0));
  const wall = performance.now() - start;
  const med = pct(xs, 50);
  // cpu_share: process CPU over wall time. With loop_busy (event-loop utilisation) near 1 the loop
  // never waited, so a share below 1 is CPU the machine's other load took; mb_per_s_at_one_core is
  // 1 MiB / CPU per MiB, the rate with a core of our own.
  const row: Row = {
    transport, bench, runs, ms_p50: med, mb_per_s: round1(MiB / 1e6 / (med / 1000)), cpu_ms_per_mib: round1(cpu / 1000 / runs),
    loop_busy: Math.round(performance.eventLoopUtilization(elu0).utilization * 100) / 100,
    cpu_share: Math.round((cpu / 1000 / wall) * 100) / 100, mb_per_s_at_one_core: round1(MiB / 1e6 / (cpu / 1e6 / runs)),
  };
  if (packets !== undefined) row.cpu_us_per_packet = round1(cpu / (packets() - p0));
  return row;
}

async function readAll(s: QuicStream): Promise<number> {
  let n = 0;
  for await (const c of s) n += c.length;
  return n;
}

export async function udpRows(o: RoundTripOptions): Promise<Row[]> {
  const s1 = createSocket('udp4');
  const s2 = createSocket('udp4');
  await new Promise<void>((r) => s1.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => s2.bind(0, '127.0.0.1', r));
  const p1 = s1.address().port;
  const p2 = s2.address().port;
  let sent = 0;
  s2.on('message', (m) => {
    sent++;
    s2.send(m, p1, '127.0.0.1');
  });
  let resolve: (() => void) | undefined;
  s1.on('message', () => resolve?.());
  const row = await rtts('udp', () => new Promise<void>((r) => {
    resolve = r;
    sent++;
    s1.send(payload, p2, '127.0.0.1');
  }), o.n, () => sent);
  s1.close();
  s2.close();
  return [row];
}

export async function tlsRows(ca: TestCa, o: RoundTripOptions): Promise<Row[]> {
  const c1 = await makeNodeCert(ca, 'n1');
  const c2 = await makeNodeCert(ca, 'n2');
  const opts = { ca: ca.certPem, minVersion: 'TLSv1.3' as const };
  // Echo server; a sink answers one byte after each MiB.
  const server = tls.createServer({ ...opts, key: c2.keyPem, cert: c2.certPem, requestCert: true, rejectUnauthorized: true }, (sock) => {
    sock.setNoDelay(true);
    let sink = -1;
    sock.on('data', (d: Buffer) => {
      if (sink < 0 && d[0] === 0x73 && d.length === 1) return void (sink = 0);
      if (sink < 0) return void sock.write(d);
      sink += d.length;
      if (sink >= MiB) {
        sink -= MiB;
        sock.write(Buffer.of(1));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const connect = async (): Promise<tls.TLSSocket> => {
    const sock = tls.connect({ ...opts, host: '127.0.0.1', port, key: c1.keyPem, cert: c1.certPem, checkServerIdentity: () => undefined });
    await new Promise<void>((r) => sock.once('secureConnect', r));
    sock.setNoDelay(true);
    return sock;
  };
  const echo = await connect();
  let want = 0;
  let resolve: (() => void) | undefined;
  echo.on('data', (d: Buffer) => {
    want -= d.length;
    if (want <= 0) resolve?.();
  });
  const transfer = (sock: tls.TLSSocket, bytes: Buffer, expect: number): Promise<void> => new Promise<void>((r) => {
    resolve = r;
    want = expect;
    sock.write(bytes);
  });
  const rows = [await rtts('tls', () => transfer(echo, payload, payload.length), o.n)];
  rows.push(await throughput('tls', '1MiB-echo', () => transfer(echo, big, MiB), o.runs));
  const sink = await connect();
  sink.write(Buffer.of(0x73));
  sink.on('data', (d: Buffer) => {
    want -= d.length;
    if (want <= 0) resolve?.();
  });
  rows.push(await throughput('tls', '1MiB-send', () => transfer(sink, big, 1), o.runs));
  echo.destroy();
  sink.destroy();
  server.close();
  return rows;
}

export async function quicRows(ca: TestCa, o: RoundTripOptions): Promise<{ rows: Row[]; stats: Row }> {
  const c1 = await makeNodeCert(ca, 'n1');
  const c2 = await makeNodeCert(ca, 'n2');
  const mk = (c: typeof c1): Promise<QuicEngine> =>
    createQuicheEngine({ host: '127.0.0.1', port: 0, clock, alpn: ['memberlist-quic/1'], tls: { ca: ca.certPem, cert: c.certPem, key: c.keyPem, verifyPeer: chainVerifier(ca.certPem) } });
  const a = await mk(c1);
  const b = await mk(c2);
  const packets = (): number => a.stats().packetsOut + b.stats().packetsOut;
  const inbound = (async (): Promise<QuicConnection> => {
    for await (const c of b.incoming) return c;
    throw new Error('no inbound connection');
  })();
  const ab = await a.dial(b.local, { alpn: ['memberlist-quic/1'], timeoutMs: 5000 });
  const ba = await inbound;
  ba.onDatagram((d) => ba.sendDatagram(d));
  // A stream whose first byte is 's' is a sink (answers one byte at FIN); any other is echoed.
  void (async () => {
    for await (const s of ba.incomingStreams) {
      void (async () => {
        let sink: boolean | undefined;
        for await (const chunk of s) {
          sink ??= chunk[0] === 0x73;
          if (!sink) await s.write(chunk);
        }
        await s.end(sink === true ? Buffer.of(1) : undefined);
      })().catch(() => undefined);
    }
  })();
  let resolveDg: (() => void) | undefined;
  ab.onDatagram(() => resolveDg?.());
  const rows: Row[] = [];
  rows.push(await rtts('quic-datagram', () => new Promise<void>((resolve) => {
    resolveDg = resolve;
    ab.sendDatagram(payload);
  }), o.n, packets));
  rows.push(await rtts('quic-stream', async () => {
    const s = await ab.openBidi();
    const back = readAll(s);
    await s.end(payload);
    await back;
  }, Math.min(o.n, 1000), packets));
  const send = async (sinkByte: boolean): Promise<void> => {
    const s = await ab.openBidi();
    const back = readAll(s);
    for (let off = 0; off < MiB; off += CHUNK) await s.write(off === 0 && sinkByte ? sinkFirst : big.subarray(off, off + CHUNK));
    await s.end();
    const got = await back;
    if (got !== (sinkByte ? 1 : MiB)) throw new Error(`quic: short transfer (${got} bytes back)`);
  };
  rows.push(await throughput('quic-stream', '1MiB-echo', () => send(false), o.runs, packets));
  rows.push(await throughput('quic-stream', '1MiB-send', () => send(true), o.runs, packets));
  const stats = { client: a.stats(), server: b.stats() };
  await a.close();
  await b.close();
  return { rows, stats };
}
