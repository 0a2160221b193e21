// The handshake rows of bench/memberlist-quic.ts: CPU per completed
// mutual-TLS handshake, both ends in one process, for shoal's QUIC engine,
// for quic-go 0.29 (the Go reference's stack; interop/memberlist-quic-node
// -handshakes) and for node:tls TLS 1.3 over TCP, all with the same ECDSA
// P-256 certificates (one CA, two node certificates). A QUIC cluster's burst
// join needs a handshake per pair of nodes that talk (190 for 20 nodes) and
// the NetTransport none, so this is what bounds convergence over QUIC.
//
// One handshake: dial, wait until both ends have finished (the listener
// yields the connection), close both. WARM untimed first, then n timed one
// after the other. shoal's engine checks a peer chain once and remembers it
// (src/tls/verify.ts), so these handshakes reuse the check; quic-go and
// OpenSSL check the chain in every handshake.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { RealClock } from '@shoal/kit';
import { createQuicheEngine } from '@shoal/memberlist-quic';
import { chainVerifier, makeNodeCert, type TestCa, type TestNodeCert } from '../../packages/memberlist-quic/src/engine/testing/certs.js';
import { goHandshakeCommand } from './go-hosts.js';
import type { Row } from './round-trips.js';

const WARM = 20;
const clock = new RealClock({ unref: true });
const run = promisify(execFile);

export type HandshakeImpl = 'shoal-quic' | 'quic-go' | 'node-tls';

interface Timed {
  cpuMs: number;
  wallMs: number;
}

async function timed(n: number, one: () => Promise<void>): Promise<Timed> {
  for (let i = 0; i < WARM; i++) await one();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one();
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

async function shoalHandshakes(ca: TestCa, client: TestNodeCert, server: TestNodeCert, n: number): Promise<Timed> {
  const engine = (cert: TestNodeCert): ReturnType<typeof createQuicheEngine> =>
    createQuicheEngine({ host: '127.0.0.1', port: 0, clock, alpn: ['memberlist-quic/1'], tls: { cert: cert.certPem, key: cert.keyPem, verifyPeer: chainVerifier(ca.certPem) } });
  const [a, b] = [await engine(client), await engine(server)];
  const accepted = b.incoming[Symbol.asyncIterator]();
  try {
    return await timed(n, async () => {
      const conn = await a.dial(b.local, { alpn: ['memberlist-quic/1'], timeoutMs: 10_000 });
      const peer = await accepted.next();
      if (peer.done === true) throw new Error('handshakes: the listening engine closed');
      conn.close();
      peer.value.close();
    });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

async function nodeTlsHandshakes(ca: TestCa, client: TestNodeCert, server: TestNodeCert, n: number): Promise<Timed> {
  let onServer: ((s: tls.TLSSocket) => void) | undefined;
  const listener = tls.createServer({ ca: ca.certPem, cert: server.certPem, key: server.keyPem, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true });
  listener.on('secureConnection', (s) => onServer?.(s));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  // Built once, as the server's is: tls.connect would otherwise parse the PEMs for every connection.
  const secureContext = tls.createSecureContext({ ca: ca.certPem, cert: client.certPem, key: client.keyPem, minVersion: 'TLSv1.3' });
  try {
    return await timed(n, async () => {
      const serverSide = new Promise<tls.TLSSocket>((r) => (onServer = r));
      const socket = tls.connect({ host: '127.0.0.1', port, secureContext });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      (await serverSide).destroy();
      socket.destroy();
    });
  } finally {
    await new Promise<void>((r) => listener.close(() => r()));
  }
}

/** The "handshakes" line memberlist-quic-node prints in its -handshakes mode. */
export function parseGoHandshakes(stdout: string): Timed & { n: number } {
  for (const line of stdout.split('\n')) {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof msg !== 'object' || msg === null) continue;
    const { event, n, cpu_ms: cpuMs, wall_ms: wallMs } = msg as Record<string, unknown>;
    if (event === 'handshakes' && typeof n === 'number' && typeof cpuMs === 'number' && typeof wallMs === 'number') return { n, cpuMs, wallMs };
  }
  throw new Error(`handshakes: no result line from the Go program in ${JSON.stringify(stdout.slice(0, 500))}`);
}

async function goHandshakes(ca: TestCa, cert: TestNodeCert, n: number): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-handshakes-'));
  try {
    const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'node.pem'), key: join(dir, 'node-key.pem') };
    writeFileSync(files.ca, ca.certPem);
    writeFileSync(files.cert, cert.certPem);
    writeFileSync(files.key, cert.keyPem, { mode: 0o600 });
    const spec = await goHandshakeCommand(n, files);
    const { stdout } = await run(spec.command, spec.args, { timeout: 300_000 });
    const result = parseGoHandshakes(stdout);
    if (result.n !== n) throw new Error(`handshakes: the Go program did ${result.n}, not ${n}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One row per implementation asked for: CPU (both ends) and wall time per handshake. */
export async function handshakeRows(ca: TestCa, n: number, impls: readonly HandshakeImpl[]): Promise<Row[]> {
  const client = await makeNodeCert(ca, 'n1');
  const server = await makeNodeCert(ca, 'n2');
  const rows: Row[] = [];
  for (const impl of impls) {
    const t = impl === 'shoal-quic' ? await shoalHandshakes(ca, client, server, n) : impl === 'quic-go' ? await goHandshakes(ca, client, n) : await nodeTlsHandshakes(ca, client, server, n);
    rows.push({ bench: 'handshake', impl, n, cpu_ms_per_handshake: Math.round((t.cpuMs / n) * 1000) / 1000, wall_ms_per_handshake: Math.round((t.wallMs / n) * 1000) / 1000 });
  }
  return rows;
}
