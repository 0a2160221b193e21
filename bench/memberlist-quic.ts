// memberlist-quic bench (issue 18 item 3): QUIC beside plain UDP and TCP+TLS,
// and a memberlist cluster over QUIC beside the same over the NetTransport,
// all in one run so that the references share the machine's load.
//
//   node --conditions=source --import tsx bench/memberlist-quic.ts [--quick] [--only rtt|handshake|cluster] [--nodes 20] [--cluster-runs 1]
//     [--layout one-process|per-process|both] [--impl shoal|go|both] [--host-node-flags='--cpu-prof --cpu-prof-dir=DIR'] [--warm-up-hosts]
//
// Everything runs in the --layout given: "one-process" (the default) puts
// both ends of every round trip, and all nodes of a cluster, in this process
// (one event loop); "per-process" runs the round trips' servers in a child
// process (bench/memberlist-quic/peer-host.ts) and gives each cluster node a
// Node.js process of its own (bench/memberlist-quic/cluster-processes.ts);
// "both" runs each. CPU figures always cover both ends (all nodes).
// --impl (default both) adds the Go reference as an oracle: Go memberlist
// 0.2.2 over the reference's QUIC transport (quic-go 0.29) and over its
// NetTransport, per-process layout only (bench/memberlist-quic/go-hosts.ts),
// and quic-go's handshake row; "shoal" or "go" runs one side only.
// --warm-up-hosts (diagnostic, per-process): every shoal host first runs a
// throwaway two-node cluster of its transport, so the burst join runs warmed
// code; the difference shows how much of the join's CPU is first-call cost.
// JSON lines:
//   {"bench","node","loadavg"}                     first; "loadavg_end" last
//   round trips, 100-byte payload (WARM untimed, then n timed), each row with its layout:
//     transport "udp"            dgram echo
//     transport "tls"            TCP + TLS 1.3 with client certificates, one connection, echo
//     transport "quic-datagram"  RFC 9221 datagram echo on one connection
//     transport "quic-stream"    a new bidirectional stream per request: open, 100 B + FIN, echo to FIN
//     fields: rtt_p50_ms, rtt_p99_ms, cpu_us_per_rt (process CPU per round trip),
//             cpu_us_per_packet (QUIC and UDP: per UDP datagram sent, ACKs included)
//   throughput, bench "1MiB-echo" (1 MiB written in 64 KiB chunks and read back:
//     2 MiB moved, MB/s counts 1 MiB) and "1MiB-send" (1 MiB one way, a 1-byte
//     answer): ms_p50, mb_per_s, cpu_ms_per_mib; tls: one connection; quic: a new stream each
//   handshake (see bench/memberlist-quic/handshakes.ts), impl "shoal-quic" | "quic-go" | "node-tls":
//     cpu_ms_per_handshake (mutual TLS 1.3, both ends, P-256), wall_ms_per_handshake
//   cluster (see bench/memberlist-quic/cluster.ts): impl "shoal" | "go", transport "quic" | "net", layout,
//     converge_ms (burst join), converge_95_ms and converge_95_cpu_ms (per process: 95 % of the views' entries) and converge_cpu_ms, detect_ms (2 nodes shut down without leave),
//     steady_cpu_ms_per_node_s (idle window); shoal QUIC rows add "quic": the transports' dials,
//     duplicates, packets queued behind dials and sent early, dial and queue-wait ms during the join
//     (bench/memberlist-quic/quic-counters.ts); with --cluster-runs N, N clusters of each
//     (alternating which goes first) and the ratios use each figure's median
//   {"bench":"memberlist-quic","ratios"}: QUIC against its reference and the targets
//     (the cluster ratios once per layout run); go_*_vs_net: the same ratio for Go's
//     own QUIC and Net; quic_*_vs_go: shoal's QUIC cluster against Go's; *_vs_net_over_go:
//     shoal's QUIC/Net ratio divided by Go's; handshake_cpu_*: shoal's handshake against the others
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { makeCa } from '../packages/memberlist-quic/src/engine/testing/certs.js';
import { killAllHosts } from './memberlist-cluster/host.js';
import { runCluster, type ClusterImpl, type ClusterLayout, type ClusterRow, type ClusterTransport } from './memberlist-quic/cluster.js';
import { runClusterProcesses } from './memberlist-quic/cluster-processes.js';
import { handshakeRows, type HandshakeImpl } from './memberlist-quic/handshakes.js';
import { roundTripRows, type Row } from './memberlist-quic/round-trips.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    nodes: { type: 'string', default: '20' },
    'cluster-runs': { type: 'string', default: '1' },
    layout: { type: 'string', default: 'one-process' },
    impl: { type: 'string', default: 'both' },
    'host-node-flags': { type: 'string', default: '' },
    'warm-up-hosts': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  const text = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
  const lines = text.split('\n');
  const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
  console.log(header.map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
const quick = values.quick!;
const layouts: ClusterLayout[] = values.layout === 'both' ? ['one-process', 'per-process'] : [values.layout as ClusterLayout];
if (!layouts.every((l) => l === 'one-process' || l === 'per-process')) throw new Error(`unknown --layout '${values.layout}'`);
if (!['shoal', 'go', 'both'].includes(values.impl!)) throw new Error(`unknown --impl '${values.impl}'`);
const impls: ClusterImpl[] = values.impl === 'both' ? ['shoal', 'go'] : [values.impl as ClusterImpl];
if (values.only !== undefined && !['rtt', 'handshake', 'cluster'].includes(values.only)) throw new Error(`unknown --only '${values.only}'`);
const part = (name: string): boolean => values.only === undefined || values.only === name;
process.on('exit', killAllHosts);
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);
const emit = (row: Row): void => console.log(JSON.stringify(row));
const rows: Row[] = [];
const record = (rs: Row[]): void => {
  for (const r of rs) {
    emit(r);
    rows.push(r);
  }
};

const ca = await makeCa('bench');
emit({ bench: 'memberlist-quic', node: process.version, loadavg: load(), quick });
if (part('rtt') && impls.includes('shoal')) {
  const o = { n: quick ? 300 : 2000, runs: quick ? 3 : 10 };
  for (const layout of layouts) {
    const rt = await roundTripRows(ca, o, layout);
    record(rt.rows);
    console.error(JSON.stringify({ layout, quic_engine_stats: rt.stats }));
  }
}
if (part('handshake')) {
  const which: HandshakeImpl[] = [...(impls.includes('shoal') ? (['shoal-quic'] as const) : []), ...(impls.includes('go') ? (['quic-go'] as const) : []), 'node-tls'];
  record(await handshakeRows(ca, quick ? 100 : 300, which));
}
const cluster: ClusterRow[] = [];
if (part('cluster')) {
  const hostNodeFlags = values['host-node-flags']!.split(/\s+/).filter((f) => f !== '');
  const o = { nodes: Number(values.nodes), kill: 2, settleMs: quick ? 2000 : 4000, windowMs: quick ? 5000 : 15_000, timeoutMs: 60_000, hostNodeFlags, hostWarmUp: values['warm-up-hosts']! };
  const runs = Number(values['cluster-runs']);
  for (const layout of layouts) {
    // The Go reference runs one node per process only.
    const order: [ClusterImpl, ClusterTransport][] = impls.filter((i) => i === 'shoal' || layout === 'per-process').flatMap((i) => [[i, 'net'], [i, 'quic']] as [ClusterImpl, ClusterTransport][]);
    for (let run = 0; run < runs; run++) {
      // Every other run in reverse, so that no cluster always runs first or last.
      for (const [impl, kind] of run % 2 === 0 ? order : [...order].reverse()) {
        const row = layout === 'one-process' ? await runCluster(kind, ca, o) : await runClusterProcesses(kind, ca, o, impl);
        emit({ ...row, run });
        cluster.push(row);
      }
    }
  }
}

const ratio = (a: unknown, b: unknown): number | null => (typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null);
const ratios: Row = {};
for (const layout of layouts) {
  const find = (transport: string, bench?: string): Row | undefined => rows.find((r) => r.transport === transport && r.bench === bench && r.layout === layout);
  const dg = find('quic-datagram');
  if (dg === undefined) continue;
  // The one-process figures keep their names from before the per-process layout existed.
  const p = layout === 'one-process' ? '' : 'per_process_';
  const udp = find('udp');
  const tls = find('tls');
  ratios[`${p}datagram_p50_vs_udp`] = ratio(dg.rtt_p50_ms, udp?.rtt_p50_ms);
  ratios[`${p}datagram_p50_ms`] = dg.rtt_p50_ms;
  ratios[`${p}new_stream_p50_vs_tls`] = ratio(find('quic-stream')?.rtt_p50_ms, tls?.rtt_p50_ms);
  for (const b of ['1MiB-echo', '1MiB-send']) {
    ratios[`${p}${b}_mb_per_s`] = find('quic-stream', b)?.mb_per_s;
    ratios[`${p}${b}_vs_tls`] = ratio(find('quic-stream', b)?.mb_per_s, find('tls', b)?.mb_per_s);
  }
  ratios.datagram_p50_target_ms = 0.3;
  ratios.stream_target_mb_per_s = 20;
}
/** Each figure's median over the runs of one implementation and transport in one layout. */
function medianRow(impl: ClusterImpl, kind: ClusterTransport, layout: ClusterLayout): ClusterRow | undefined {
  const rs = cluster.filter((c) => c.impl === impl && c.transport === kind && c.layout === layout);
  if (rs.length === 0) return undefined;
  const med = (f: (r: ClusterRow) => number): number => {
    const xs = rs.map(f).sort((a, b) => a - b);
    return xs.length % 2 === 1 ? xs[xs.length >> 1]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
  };
  const most = rs.every((r) => r.converge_95_ms !== undefined) ? { converge_95_ms: med((r) => r.converge_95_ms!), converge_95_cpu_ms: med((r) => r.converge_95_cpu_ms!) } : {};
  return { ...rs[0]!, converge_ms: med((r) => r.converge_ms), ...most, converge_cpu_ms: med((r) => r.converge_cpu_ms), detect_ms: med((r) => r.detect_ms), steady_cpu_ms_per_node_s: med((r) => r.steady_cpu_ms_per_node_s) };
}
const FIGURES = [
  ['converge', 'converge_ms'],
  ['converge_95', 'converge_95_ms'],
  ['converge_95_cpu', 'converge_95_cpu_ms'],
  ['converge_cpu', 'converge_cpu_ms'],
  ['detect', 'detect_ms'],
  ['steady_cpu', 'steady_cpu_ms_per_node_s'],
] as const;
for (const layout of layouts) {
  // The one-process figures keep their names from before the per-process layout existed.
  const p = layout === 'one-process' ? '' : 'per_process_';
  const [net, quic] = [medianRow('shoal', 'net', layout), medianRow('shoal', 'quic', layout)];
  const [goNet, goQuic] = [medianRow('go', 'net', layout), medianRow('go', 'quic', layout)];
  if (net !== undefined && quic !== undefined) {
    ratios[`${p}cluster_runs`] = cluster.filter((c) => c.layout === layout && c.impl === 'shoal').length / 2;
    for (const [name, field] of FIGURES) if (quic[field] !== undefined) ratios[`${p}${name}_vs_net`] = ratio(quic[field], net[field]);
    ratios.cluster_targets = { converge_vs_net: 1.2, detect_vs_net: 1.2, steady_cpu_vs_net: 2 };
  }
  if (goNet !== undefined && goQuic !== undefined) {
    ratios[`${p}go_cluster_runs`] = cluster.filter((c) => c.layout === layout && c.impl === 'go').length / 2;
    for (const [name, field] of FIGURES) ratios[`${p}go_${name}_vs_net`] = ratio(goQuic[field], goNet[field]);
  }
  for (const [name, field] of FIGURES) {
    if (quic !== undefined && goQuic !== undefined) ratios[`${p}quic_${name}_vs_go`] = ratio(quic[field], goQuic[field]);
    if (net !== undefined && goNet !== undefined) ratios[`${p}net_${name}_vs_go`] = ratio(net[field], goNet[field]);
    const [ours, theirs] = [ratios[`${p}${name}_vs_net`], ratios[`${p}go_${name}_vs_net`]];
    if (ours !== undefined && theirs !== undefined) ratios[`${p}${name}_vs_net_over_go`] = ratio(ours, theirs);
  }
}
const handshake = (impl: HandshakeImpl): unknown => rows.find((r) => r.bench === 'handshake' && r.impl === impl)?.cpu_ms_per_handshake;
for (const [name, a, b] of [['shoal_vs_quic_go', 'shoal-quic', 'quic-go'], ['shoal_vs_node_tls', 'shoal-quic', 'node-tls'], ['quic_go_vs_node_tls', 'quic-go', 'node-tls']] as const) {
  const r = ratio(handshake(a), handshake(b));
  if (r !== null) ratios[`handshake_cpu_${name}`] = r;
}
emit({ bench: 'memberlist-quic', ratios });
emit({ bench: 'memberlist-quic', loadavg_end: load() });
