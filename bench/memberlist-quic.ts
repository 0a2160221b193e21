// memberlist-quic bench (issue 18 item 3): QUIC beside plain UDP and TCP+TLS,
// and a memberlist cluster over QUIC beside the same over the NetTransport,
// all in one run so that the references share the machine's load.
//
//   node --conditions=source --import tsx bench/memberlist-quic.ts [--quick] [--only rtt|cluster] [--nodes 20] [--cluster-runs 1]
//     [--layout one-process|per-process|both] [--host-node-flags='--cpu-prof --cpu-prof-dir=DIR']
//
// Everything runs in the --layout given: "one-process" (the default) puts
// both ends of every round trip, and all nodes of a cluster, in this process
// (one event loop); "per-process" runs the round trips' servers in a child
// process (bench/memberlist-quic/peer-host.ts) and gives each cluster node a
// Node.js process of its own (bench/memberlist-quic/cluster-processes.ts);
// "both" runs each. CPU figures always cover both ends (all nodes).
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
//   cluster (see bench/memberlist-quic/cluster.ts): transport "quic" | "net", layout,
//     converge_ms (burst join) and converge_cpu_ms, detect_ms (2 nodes shut down without leave),
//     steady_cpu_ms_per_node_s (idle window); with --cluster-runs N, N clusters of each
//     (alternating which goes first) and the ratios use each figure's median
//   {"bench":"memberlist-quic","ratios"}: QUIC against its reference and the targets
//     (the cluster ratios once per layout run)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { makeCa } from '../packages/memberlist-quic/src/engine/testing/certs.js';
import { killAllHosts } from './memberlist-cluster/host.js';
import { runCluster, type ClusterLayout, type ClusterRow } from './memberlist-quic/cluster.js';
import { runClusterProcesses } from './memberlist-quic/cluster-processes.js';
import { roundTripRows, type Row } from './memberlist-quic/round-trips.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    nodes: { type: 'string', default: '20' },
    'cluster-runs': { type: 'string', default: '1' },
    layout: { type: 'string', default: 'one-process' },
    'host-node-flags': { type: 'string', default: '' },
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
if (values.only !== 'cluster') {
  const o = { n: quick ? 300 : 2000, runs: quick ? 3 : 10 };
  for (const layout of layouts) {
    const rt = await roundTripRows(ca, o, layout);
    record(rt.rows);
    console.error(JSON.stringify({ layout, quic_engine_stats: rt.stats }));
  }
}
const cluster: ClusterRow[] = [];
if (values.only !== 'rtt') {
  const hostNodeFlags = values['host-node-flags']!.split(/\s+/).filter((f) => f !== '');
  const o = { nodes: Number(values.nodes), kill: 2, settleMs: quick ? 2000 : 4000, windowMs: quick ? 5000 : 15_000, timeoutMs: 60_000, hostNodeFlags };
  const runs = Number(values['cluster-runs']);
  for (const layout of layouts) {
    for (let run = 0; run < runs; run++) {
      for (const kind of run % 2 === 0 ? (['net', 'quic'] as const) : (['quic', 'net'] as const)) {
        const row = layout === 'one-process' ? await runCluster(kind, ca, o) : await runClusterProcesses(kind, ca, o);
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
/** Each figure's median over the runs of one transport in one layout. */
function medianRow(kind: ClusterRow['transport'], layout: ClusterLayout): ClusterRow | undefined {
  const rs = cluster.filter((c) => c.transport === kind && c.layout === layout);
  if (rs.length === 0) return undefined;
  const med = (f: (r: ClusterRow) => number): number => {
    const xs = rs.map(f).sort((a, b) => a - b);
    return xs.length % 2 === 1 ? xs[xs.length >> 1]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
  };
  return { ...rs[0]!, converge_ms: med((r) => r.converge_ms), converge_cpu_ms: med((r) => r.converge_cpu_ms), detect_ms: med((r) => r.detect_ms), steady_cpu_ms_per_node_s: med((r) => r.steady_cpu_ms_per_node_s) };
}
for (const layout of layouts) {
  const [net, quic] = [medianRow('net', layout), medianRow('quic', layout)];
  if (net === undefined || quic === undefined) continue;
  // The one-process figures keep their names from before the per-process layout existed.
  const p = layout === 'one-process' ? '' : 'per_process_';
  ratios[`${p}cluster_runs`] = cluster.filter((c) => c.layout === layout).length / 2;
  ratios[`${p}converge_vs_net`] = ratio(quic.converge_ms, net.converge_ms);
  ratios[`${p}converge_cpu_vs_net`] = ratio(quic.converge_cpu_ms, net.converge_cpu_ms);
  ratios[`${p}detect_vs_net`] = ratio(quic.detect_ms, net.detect_ms);
  ratios[`${p}steady_cpu_vs_net`] = ratio(quic.steady_cpu_ms_per_node_s, net.steady_cpu_ms_per_node_s);
  ratios.cluster_targets = { converge_vs_net: 1.2, detect_vs_net: 1.2, steady_cpu_vs_net: 2 };
}
emit({ bench: 'memberlist-quic', ratios });
emit({ bench: 'memberlist-quic', loadavg_end: load() });
