// The cluster rows of bench/memberlist-quic.ts: N memberlist nodes on
// loopback, all in this one process (one event loop), over QUIC or over the
// NetTransport (UDP + TCP), with the same memberlist config (Go's
// DefaultLocalConfig). One cluster at a time; the caller runs both in one run.
//
// Phases and figures:
//   converge_ms  every node but the seed calls join([seed]) at once; the time
//                until every node's numMembers() is N (polled every 10 ms).
//                converge_cpu_ms: the process CPU spent meanwhile (all nodes),
//                which the machine's other load does not stretch.
//   steady_cpu_ms_per_node_s
//                after convergence and a settle period (at least one probe
//                round, N × probe interval, so that every node has probed
//                every other once: over QUIC, the pool is then complete and
//                the window holds no first-contact handshakes), process CPU
//                (process.cpuUsage, user + system) over an idle window of
//                windowMs, divided by N and by the window in seconds. Nothing
//                else runs in the process then (no polling): it is the
//                cluster's probes, gossip and push/pulls, plus the transport's
//                keep-alives and timers.
//   detect_ms    two nodes (never the seed) are shut down abruptly (no leave
//                message); the time until every survivor's numMembers() is N-2,
//                i.e. both are marked dead by probes and suspicion. QUIC's
//                shutdown still sends CONNECTION_CLOSE on its connections (a
//                SIGKILLed process would not); that only drops pooled
//                connections, failure detection still needs missed probes.
import { loadavg } from 'node:os';
import { InMemoryMetrics, RealClock } from '@shoal/kit';
import { createNetMemberlist, defaultLocalConfig, Memberlist, type Config } from '@shoal/memberlist';
import { QuicTransport } from '@shoal/memberlist-quic';
import { makeNodeCert, type TestCa } from '../../packages/memberlist-quic/src/engine/testing/certs.js';
import { quicNodeCounters, sumQuicCounters } from './quic-counters.js';

export type ClusterTransport = 'quic' | 'net';

/** Whose memberlist and transports: shoal's, or the Go reference's (per-process layout only; go-hosts.ts). */
export type ClusterImpl = 'shoal' | 'go';

export interface ClusterOptions {
  nodes: number;
  kill: number;
  settleMs: number;
  windowMs: number;
  timeoutMs: number;
  /** Per-process layout: Node.js flags for every host (diagnostics, e.g. --cpu-prof). */
  hostNodeFlags?: string[];
  /** Per-process layout, shoal hosts: each warms its code up with a throwaway two-node cluster first (node-host.ts --warm-up). */
  hostWarmUp?: boolean;
}

/** All nodes in this process, or each node in a process of its own (cluster-processes.ts). */
export type ClusterLayout = 'one-process' | 'per-process';

export interface ClusterRow {
  impl: ClusterImpl;
  transport: ClusterTransport;
  layout: ClusterLayout;
  nodes: number;
  converge_ms: number;
  /** Per-process layout only: when 95 % of the (node, member) pairs were known, and the CPU until then (cluster-processes.ts). */
  converge_95_ms?: number;
  converge_95_cpu_ms?: number;
  converge_cpu_ms: number;
  detect_ms: number;
  steady_cpu_ms_per_node_s: number;
  killed: number;
  loadavg_1m: number;
  /** QUIC only: what the transports did during the burst join, summed over the nodes (quic-counters.ts): until convergence (one process), until converge_95 (per process). */
  quic?: Record<string, number>;
  /** Per-process, --warm-up-hosts: the hosts warmed their code up before the join. */
  host_warm_up?: boolean;
}

const clock = new RealClock({ unref: true });

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`cluster bench: timed out waiting for ${what}`);
    await sleep(10);
  }
  return performance.now() - t0;
}

function config(name: string, metrics: InMemoryMetrics): Partial<Config> {
  return { name, bindAddr: '127.0.0.1', clock, metrics };
}

async function startNode(kind: ClusterTransport, name: string, ca: TestCa): Promise<{ list: Memberlist; addr: string; metrics: InMemoryMetrics }> {
  const metrics = new InMemoryMetrics();
  if (kind === 'net') {
    const list = await createNetMemberlist(defaultLocalConfig({ ...config(name, metrics), bindPort: 0 }));
    return { list, addr: `127.0.0.1:${list.localNode().port}`, metrics };
  }
  const cert = await makeNodeCert(ca, name);
  const transport = await QuicTransport.create({
    bindAddr: '127.0.0.1',
    bindPort: 0,
    tls: { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem },
    clock,
    metrics,
  });
  const list = await Memberlist.create(defaultLocalConfig({ ...config(name, metrics), bindPort: transport.port, advertisePort: transport.port, transport }));
  return { list, addr: `127.0.0.1:${transport.port}`, metrics };
}

export async function runCluster(kind: ClusterTransport, ca: TestCa, o: ClusterOptions): Promise<ClusterRow> {
  const nodes: { list: Memberlist; addr: string; metrics: InMemoryMetrics }[] = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await startNode(kind, `${kind}-${i}`, ca));
  try {
    await sleep(500);
    const seed = nodes[0]!.addr;
    const joinCpu0 = process.cpuUsage();
    const joins = Promise.allSettled(nodes.slice(1).map((n) => n.list.join([seed])));
    const converge = await waitFor(() => nodes.every((n) => n.list.numMembers() === o.nodes), o.timeoutMs, 'convergence');
    const joinCpu = process.cpuUsage(joinCpu0);
    const quic = kind === 'quic' ? { quic: sumQuicCounters(nodes.map((n) => quicNodeCounters(n.metrics))) } : {};
    await joins;

    await sleep(Math.max(o.settleMs, o.nodes * defaultLocalConfig().probeIntervalMs));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(o.windowMs);
    const cpu = process.cpuUsage(cpu0);
    const windowS = (performance.now() - t0) / 1000;
    const steady = (cpu.user + cpu.system) / 1000 / o.nodes / windowS;

    // Spread over the cluster, never the seed.
    const victims = new Set<number>();
    for (let k = 1; k <= o.kill; k++) victims.add(Math.round((k * o.nodes) / (o.kill + 1)));
    await Promise.all([...victims].map((i) => nodes[i]!.list.shutdown()));
    const survivors = nodes.filter((_, i) => !victims.has(i));
    const detect = await waitFor(() => survivors.every((n) => n.list.numMembers() === o.nodes - victims.size), o.timeoutMs, 'failure detection');
    return {
      impl: 'shoal',
      transport: kind,
      layout: 'one-process',
      nodes: o.nodes,
      converge_ms: Math.round(converge),
      converge_cpu_ms: Math.round((joinCpu.user + joinCpu.system) / 1000),
      detect_ms: Math.round(detect),
      steady_cpu_ms_per_node_s: Math.round(steady * 100) / 100,
      killed: victims.size,
      loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
      ...quic,
    };
  } finally {
    await Promise.allSettled(nodes.map((n) => n.list.shutdown()));
  }
}
