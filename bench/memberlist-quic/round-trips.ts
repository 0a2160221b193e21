// The round-trip and throughput rows of bench/memberlist-quic.ts: QUIC
// (datagrams, a new bidirectional stream per request, 1 MiB streams) over the
// lean quiche engine, and plain UDP and TCP+TLS 1.3 (mutual) as references.
//
// Layouts: "one-process" runs client and server in this process (one event
// loop), so every CPU figure covers both ends; "per-process" runs the servers
// in a child process (peer-host.ts), as two nodes run, and the CPU figures add
// the child's CPU to ours. Either way, CPU per packet and per MiB cover both
// ends; only in the per-process layout can the two ends use two cores.
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import * as tls from 'node:tls';
import { RealClock } from '@shoal/kit';
import { createQuicheEngine, type QuicConnection, type QuicEngine, type QuicStream } from '@shoal/memberlist-quic';
import { chainVerifier, makeNodeCert, type TestCa, type TestNodeCert } from '../../packages/memberlist-quic/src/engine/testing/certs.js';

export type Row = Record<string, unknown>;
export type RoundTripLayout = 'one-process' | 'per-process';
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

/** CPU (µs, both ends) and UDP datagrams sent (both ends; 0 where not counted) so far. */
interface Cost {
  cpuUs: number;
  packets: number;
}
type Meter = () => Promise<Cost>;

const localCpuUs = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

// ---- servers: an echo; a stream or connection whose first byte is 's' is a sink, answering one byte per MiB ----

export interface Servers {
  udpPort: number;
  tlsPort: number;
  quicPort: number;
  /** Datagrams the UDP and QUIC servers sent. */
  udpSent(): number;
  quicPackets(): number;
  close(): Promise<void>;
}

export async function startServers(ca: TestCa, cert: TestNodeCert): Promise<Servers> {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  let udpSent = 0;
  udp.on('message', (m, from) => {
    udpSent++;
    udp.send(m, from.port, from.address);
  });

  const tlsServer = tls.createServer({ ca: ca.certPem, minVersion: 'TLSv1.3', key: cert.keyPem, cert: cert.certPem, requestCert: true, rejectUnauthorized: true }, (sock) => {
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
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));

  const quic = await createQuicheEngine({ host: '127.0.0.1', port: 0, clock, alpn: ['memberlist-quic/1'], tls: { cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(ca.certPem) } });
  void (async () => {
    for await (const conn of quic.incoming) {
      conn.onDatagram((d) => conn.sendDatagram(d));
      void (async () => {
        for await (const s of conn.incomingStreams) {
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
    }
  })();
  return {
    udpPort: udp.address().port,
    tlsPort: (tlsServer.address() as { port: number }).port,
    quicPort: quic.local.port,
    udpSent: () => udpSent,
    quicPackets: () => quic.stats().packetsOut,
    close: async () => {
      udp.close();
      tlsServer.close();
      await quic.close();
    },
  };
}

/** Where the servers run, and the cost of each end. */
interface Peer {
  udpPort: number;
  tlsPort: number;
  quicPort: number;
  /** Server-side CPU (µs) and datagrams sent, per protocol. */
  cost(): Promise<{ cpuUs: number; udpSent: number; quicPackets: number }>;
  close(): Promise<void>;
}

async function inProcessPeer(ca: TestCa, cert: TestNodeCert): Promise<Peer> {
  const s = await startServers(ca, cert);
  // The servers' CPU is already in this process's.
  return { ...s, cost: () => Promise.resolve({ cpuUs: 0, udpSent: s.udpSent(), quicPackets: s.quicPackets() }), close: () => s.close() };
}

const PEER_HOST = fileURLToPath(new URL('./peer-host.ts', import.meta.url));

/** The servers in a child process (peer-host.ts), asked for their cost over IPC. */
async function childPeer(ca: TestCa, cert: TestNodeCert): Promise<Peer> {
  const child: ChildProcess = fork(PEER_HOST, [], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`peer host exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  const ready = next<{ udpPort: number; tlsPort: number; quicPort: number }>();
  child.send({ ca: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem });
  const ports = await ready;
  return {
    ...ports,
    cost: async () => {
      const reply = next<{ cpuUs: number; udpSent: number; quicPackets: number }>();
      child.send('cost');
      return reply;
    },
    close: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send('exit');
      await exited;
    },
  };
}

// ---- measurement ----

/** Times `once` n times; CPU and packets from `meter` (both ends). */
async function rtts(transport: string, once: () => Promise<void>, n: number, meter: Meter, countPackets: boolean): Promise<Row> {
  for (let i = 0; i < WARM; i++) await once();
  const xs: number[] = [];
  const c0 = await meter();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  const c1 = await meter();
  const cpu = c1.cpuUs - c0.cpuUs;
  const row: Row = { transport, rtt_p50_ms: pct(xs, 50), rtt_p99_ms: pct(xs, 99), n, cpu_us_per_rt: round1(cpu / n) };
  if (countPackets) {
    const sent = c1.packets - c0.packets;
    row.packets_per_rt = round1(sent / n);
    row.cpu_us_per_packet = round1(cpu / sent);
  }
  return row;
}

/** Times `once` (one 1 MiB transfer) `runs` times. */
async function throughput(transport: string, bench: string, once: () => Promise<void>, runs: number, meter: Meter, countPackets: boolean): Promise<Row> {
  await once(); // warm: the congestion window and the flow-control windows grow
  const xs: number[] = [];
  const c0 = await meter();
  const local0 = localCpuUs();
  const start = performance.now();
  const elu0 = performance.eventLoopUtilization();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await once();
    xs.push(performance.now() - t0);
  }
  const wall = performance.now() - start;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const localCpu = localCpuUs() - local0;
  const c1 = await meter();
  const cpu = c1.cpuUs - c0.cpuUs;
  const med = pct(xs, 50);
  // cpu_share: this process's CPU over wall time. With loop_busy (event-loop utilisation) near 1
  // our loop never waited, so a share below 1 is CPU the machine's other load took.
  // mb_per_s_at_one_core is 1 MiB / CPU per MiB (both ends): the rate if both ends shared one core of their own.
  const row: Row = {
    transport, bench, runs, ms_p50: med, mb_per_s: round1(MiB / 1e6 / (med / 1000)), cpu_ms_per_mib: round1(cpu / 1000 / runs),
    loop_busy: Math.round(elu * 100) / 100,
    cpu_share: Math.round((localCpu / 1000 / wall) * 100) / 100, mb_per_s_at_one_core: round1(MiB / 1e6 / (cpu / 1e6 / runs)),
  };
  if (countPackets) row.cpu_us_per_packet = round1(cpu / (c1.packets - c0.packets));
  return row;
}

async function readAll(s: QuicStream): Promise<number> {
  let n = 0;
  for await (const c of s) n += c.length;
  return n;
}

// ---- clients ----

async function udpClient(peer: Peer, o: RoundTripOptions, layout: RoundTripLayout): Promise<Row[]> {
  const s: Socket = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  let sent = 0;
  let resolve: (() => void) | undefined;
  s.on('message', () => resolve?.());
  const meter: Meter = async () => {
    const p = await peer.cost();
    return { cpuUs: localCpuUs() + p.cpuUs, packets: sent + p.udpSent };
  };
  const row = await rtts('udp', () => new Promise<void>((r) => {
    resolve = r;
    sent++;
    s.send(payload, peer.udpPort, '127.0.0.1');
  }), o.n, meter, true);
  s.close();
  return [{ ...row, layout }];
}

async function tlsClient(peer: Peer, ca: TestCa, cert: TestNodeCert, o: RoundTripOptions, layout: RoundTripLayout): Promise<Row[]> {
  const meter: Meter = async () => ({ cpuUs: localCpuUs() + (await peer.cost()).cpuUs, packets: 0 });
  const connect = async (): Promise<tls.TLSSocket> => {
    const sock = tls.connect({ ca: ca.certPem, minVersion: 'TLSv1.3', host: '127.0.0.1', port: peer.tlsPort, key: cert.keyPem, cert: cert.certPem, checkServerIdentity: () => undefined });
    await new Promise<void>((r) => sock.once('secureConnect', r));
    sock.setNoDelay(true);
    return sock;
  };
  let want = 0;
  let resolve: (() => void) | undefined;
  const onData = (d: Buffer): void => {
    want -= d.length;
    if (want <= 0) resolve?.();
  };
  const transfer = (sock: tls.TLSSocket, bytes: Buffer, expect: number): Promise<void> => new Promise<void>((r) => {
    resolve = r;
    want = expect;
    sock.write(bytes);
  });
  const echo = await connect();
  echo.on('data', onData);
  const rows = [await rtts('tls', () => transfer(echo, payload, payload.length), o.n, meter, false)];
  rows.push(await throughput('tls', '1MiB-echo', () => transfer(echo, big, MiB), o.runs, meter, false));
  const sink = await connect();
  sink.write(Buffer.of(0x73));
  sink.on('data', onData);
  rows.push(await throughput('tls', '1MiB-send', () => transfer(sink, big, 1), o.runs, meter, false));
  echo.destroy();
  sink.destroy();
  return rows.map((r) => ({ ...r, layout }));
}

async function quicClient(peer: Peer, ca: TestCa, cert: TestNodeCert, o: RoundTripOptions, layout: RoundTripLayout): Promise<{ rows: Row[]; stats: Row }> {
  const a: QuicEngine = await createQuicheEngine({ host: '127.0.0.1', port: 0, clock, alpn: ['memberlist-quic/1'], tls: { cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(ca.certPem) } });
  const meter: Meter = async () => {
    const p = await peer.cost();
    return { cpuUs: localCpuUs() + p.cpuUs, packets: a.stats().packetsOut + p.quicPackets };
  };
  const ab: QuicConnection = await a.dial({ host: '127.0.0.1', port: peer.quicPort }, { alpn: ['memberlist-quic/1'], timeoutMs: 5000 });
  let resolveDg: (() => void) | undefined;
  ab.onDatagram(() => resolveDg?.());
  const rows: Row[] = [];
  rows.push(await rtts('quic-datagram', () => new Promise<void>((resolve) => {
    resolveDg = resolve;
    ab.sendDatagram(payload);
  }), o.n, meter, true));
  rows.push(await rtts('quic-stream', async () => {
    const s = await ab.openBidi();
    const back = readAll(s);
    await s.end(payload);
    await back;
  }, Math.min(o.n, 1000), meter, true));
  const send = async (sinkByte: boolean): Promise<void> => {
    const s = await ab.openBidi();
    const back = readAll(s);
    for (let off = 0; off < MiB; off += CHUNK) await s.write(off === 0 && sinkByte ? sinkFirst : big.subarray(off, off + CHUNK));
    await s.end();
    const got = await back;
    if (got !== (sinkByte ? 1 : MiB)) throw new Error(`quic: short transfer (${got} bytes back)`);
  };
  rows.push(await throughput('quic-stream', '1MiB-echo', () => send(false), o.runs, meter, true));
  rows.push(await throughput('quic-stream', '1MiB-send', () => send(true), o.runs, meter, true));
  const stats = { client: a.stats() };
  await a.close();
  return { rows: rows.map((r) => ({ ...r, layout })), stats };
}

/** Every round-trip and throughput row, with the servers in this process or in a child process. */
export async function roundTripRows(ca: TestCa, o: RoundTripOptions, layout: RoundTripLayout): Promise<{ rows: Row[]; stats: Row }> {
  const client = await makeNodeCert(ca, 'n1');
  const server = await makeNodeCert(ca, 'n2');
  const peer = layout === 'one-process' ? await inProcessPeer(ca, server) : await childPeer(ca, server);
  try {
    const rows = [...(await udpClient(peer, o, layout)), ...(await tlsClient(peer, ca, client, o, layout))];
    const quic = await quicClient(peer, ca, client, o, layout);
    return { rows: [...rows, ...quic.rows], stats: quic.stats };
  } finally {
    await peer.close();
  }
}
