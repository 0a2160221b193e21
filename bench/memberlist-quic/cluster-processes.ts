// The per-process layout of the cluster rows: the same scenario and figures
// as cluster.ts, but every node in a Node.js process of its own
// (bench/memberlist-quic/node-host.ts), as nodes run in deployments. The
// one-process layout puts all 20 nodes on one event loop, so every node's TLS
// handshakes queue behind every other node's work; here the kernel schedules
// the nodes over the machine's cores, for both transports alike.
//
// Differences from the one-process layout:
//   converge_ms   from the join commands (sent to every host at once) to the
//                 latest wall-clock time at which a node's own view became
//                 complete, from the hosts' membership events;
//   converge_95_ms  to the time 95 % of the N² (node, member) pairs were
//                 known, and converge_95_cpu_ms the CPU until then: a burst
//                 join can leave a few nodes missing a member or two that
//                 gossip never brought them (the local profile retransmits an
//                 update 2 × ⌈log10(N+1)⌉ times) until a push/pull repairs it,
//                 up to 15 s or more later (Go's clusters: 2-5 of 400 pairs in
//                 most bursts); converge_ms includes that wait, this does not;
//   *_cpu_*       summed over the hosts' processes (process.cpuUsage), so each
//                 runtime's own idle work is included, for both transports;
//   detect_ms     the victims' processes get SIGKILL (no CONNECTION_CLOSE, no
//                 leave); to the latest time a survivor dropped both.
//
// impl "go" runs the Go reference the same way, one node per process
// (go-hosts.ts): same scenario, same figures, CPU by getrusage in each Go
// process as process.cpuUsage is in each Node.js one. The Go programs stamp
// events in whole milliseconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultLocalConfig } from '@shoal/memberlist';
import { makeNodeCert, type TestCa } from '../../packages/memberlist-quic/src/engine/testing/certs.js';
import { Host, type LaunchSpec } from '../memberlist-cluster/host.js';
import type { ClusterImpl, ClusterOptions, ClusterRow, ClusterTransport } from './cluster.js';
import { goNodeLauncher, type NodeCertFiles } from './go-hosts.js';
import { type QuicNodeCounters, sumQuicCounters } from './quic-counters.js';
import { Views } from './views.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');
const HOST_SOURCE = join(HERE, 'node-host.ts');

/** The share of (node, member) pairs converge_95_ms waits for. */
const CONVERGE_SHARE = 0.95;

const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The host, bundled once with esbuild so that twenty processes start without
 * a TypeScript loader each (the native QUIC binding stays an ordinary import);
 * without esbuild, the source through tsx.
 */
let bundled: Promise<string[]> | undefined;
function hostCommand(): Promise<string[]> {
  bundled ??= (async () => {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = await import('esbuild');
    } catch {
      return ['--conditions=source', '--import', 'tsx', HOST_SOURCE];
    }
    const outfile = join(REPO, 'tmp', 'bench-memberlist-quic', 'node-host.mjs');
    await esbuild.build({
      entryPoints: [HOST_SOURCE],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['source'],
      external: ['@matrixai/*'],
      logLevel: 'error',
      minify: false,
    });
    return [outfile];
  })();
  return bundled;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`cluster bench (per process): timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function cpuMs(hosts: readonly Host[], quic?: QuicNodeCounters[]): Promise<number> {
  const replies = await Promise.all(hosts.map((h) => h.request('stats', 'stats', 30_000)));
  for (const r of replies) if (r.quic !== undefined) quic?.push(r.quic as QuicNodeCounters);
  return replies.reduce((sum, r) => sum + Number(r.cpu_ms), 0);
}

/**
 * How to start one node of each implementation, given its name and (QUIC) its
 * PEM files; `nodeFlags` (Node.js diagnostics) and `warmUp` apply to shoal's hosts only.
 */
async function nodeLauncher(impl: ClusterImpl, kind: ClusterTransport, nodeFlags: readonly string[], warmUp: boolean): Promise<(name: string, certs: NodeCertFiles | undefined) => LaunchSpec> {
  if (impl === 'go') return goNodeLauncher(kind);
  const command = await hostCommand();
  return (name, certs) => {
    const args = [...nodeFlags, ...command, '--transport', kind, '--name', name, '--bind', '127.0.0.1', ...(warmUp ? ['--warm-up'] : [])];
    if (certs !== undefined) args.push('--ca', certs.ca, '--cert', certs.cert, '--key', certs.key);
    return { command: process.execPath, args };
  };
}

export async function runClusterProcesses(kind: ClusterTransport, ca: TestCa, o: ClusterOptions, impl: ClusterImpl = 'shoal'): Promise<ClusterRow> {
  const launch = await nodeLauncher(impl, kind, o.hostNodeFlags ?? [], o.hostWarmUp ?? false);
  const names = Array.from({ length: o.nodes }, (_, i) => `${impl}-${kind}-${i}`);
  const views = new Views(o.nodes);
  const dir = kind === 'quic' ? mkdtempSync(join(tmpdir(), 'shoal-bench-quic-')) : undefined;
  const specs: LaunchSpec[] = [];
  for (const name of names) {
    let certs: NodeCertFiles | undefined;
    if (dir !== undefined) {
      const cert = await makeNodeCert(ca, name);
      certs = { ca: join(dir, 'ca.pem'), cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
      writeFileSync(certs.ca, ca.certPem);
      writeFileSync(certs.cert, cert.certPem);
      writeFileSync(certs.key, cert.keyPem, { mode: 0o600 });
    }
    specs.push(launch(name, certs));
  }
  const hosts: Host[] = [];
  try {
    // A few at a time: twenty runtimes starting at once would only queue for the two cores.
    for (let i = 0; i < specs.length; i += 4) {
      hosts.push(...(await Promise.all(specs.slice(i, i + 4).map((s) => Host.start(s, (e) => views.onEvent(e), 60_000)))));
    }
    await sleep(500);
    const seed = hosts[0]!.nodes[0]!.addr;
    const cpuJoin0 = await cpuMs(hosts);
    const t0 = wallMs();
    for (const h of hosts.slice(1)) h.send(`join ${seed}`);
    const mostKnownAt = await waitFor(() => views.pairsKnownAt(CONVERGE_SHARE), o.timeoutMs, 'most of convergence');
    const quicMostKnown: QuicNodeCounters[] = [];
    const cpuMostKnown = (await cpuMs(hosts, quicMostKnown)) - cpuJoin0;
    const completeAt = await waitFor(() => views.allComplete(names), o.timeoutMs, 'convergence');
    const cpuJoin = (await cpuMs(hosts)) - cpuJoin0;

    await sleep(Math.max(o.settleMs, o.nodes * defaultLocalConfig().probeIntervalMs));
    const cpuWindow0 = await cpuMs(hosts);
    const w0 = performance.now();
    await sleep(o.windowMs);
    const cpuWindow = (await cpuMs(hosts)) - cpuWindow0;
    const windowS = (performance.now() - w0) / 1000;

    // Spread over the cluster, never the seed (as in the one-process layout).
    const victims = new Set<number>();
    for (let k = 1; k <= o.kill; k++) victims.add(Math.round((k * o.nodes) / (o.kill + 1)));
    const victimNames = [...victims].map((i) => names[i]!);
    const survivors = names.filter((_, i) => !victims.has(i));
    const tKill = wallMs();
    for (const i of victims) hosts[i]!.kill();
    const droppedAt = await waitFor(() => views.allDropped(survivors, victimNames), o.timeoutMs, 'failure detection');
    return {
      impl,
      transport: kind,
      layout: 'per-process',
      nodes: o.nodes,
      converge_ms: Math.round(completeAt - t0),
      converge_95_ms: Math.round(mostKnownAt - t0),
      converge_95_cpu_ms: Math.round(cpuMostKnown),
      converge_cpu_ms: Math.round(cpuJoin),
      detect_ms: Math.round(droppedAt - tKill),
      steady_cpu_ms_per_node_s: Math.round((cpuWindow / o.nodes / windowS) * 100) / 100,
      killed: victims.size,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
      ...(quicMostKnown.length > 0 ? { quic: sumQuicCounters(quicMostKnown) } : {}),
      ...(o.hostWarmUp === true && impl === 'shoal' ? { host_warm_up: true } : {}),
    };
  } finally {
    await Promise.allSettled(hosts.map((h) => h.stop()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}
