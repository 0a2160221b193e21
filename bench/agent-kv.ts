// The agent's KV over HTTP against etcd 3.4 in the same run (issue 16 item
// 8): three `shoal agent` servers (one process each, fsync on) and three
// etcd members (the Debian package's, default fsync), all on loopback, under
// one load generator: `--clients` closed loops, each on its own keep-alive
// connection to one member, round-robin over the three (a Consul client
// talks to its local agent, an etcd client to any member), the first client
// on the next member each round (so one client meets the leader in one of
// three rounds on both systems, whoever leads). PUT writes
// `--size`-byte values; GET is linearizable on both (Consul's default
// consistency, a read index on raft's leader; etcd's default range). Keys
// spread over `--keys`; every key is written before the cells, so every GET
// finds its key. Per system: that fill, then a warm-up of `--warmup` PUTs
// and GETs at the largest client count; then `--rounds` times per op and
// client count each system runs `--ops` operations, the order rotating. A
// cell is the median round's ops/s, p50 and p99, the largest max, and the
// CPU the three servers spent per op; any error fails it.
// Prints JSON lines: the setup, each cluster's members (endpoints, leader,
// process ids, for profiles), one line per implementation, op and client
// count, then per op and client count the shoal/etcd ratios and the issue's
// targets (PUT at 64 clients ≥ 0.8× etcd's ops/s, GET ≥ 1×), then done.
//   node --conditions=source --import tsx bench/agent-kv.ts [--clients 1,64] [--ops 3000] [--warmup 500]
//     [--rounds 3] [--impl shoal|etcd|both] [--size 128] [--keys 1000] [--cpu-prof DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AGENT_KV_USAGE, parseAgentKvArgs, type KvImpl, type KvOp } from './agent-kv/args.js';
import { combineRounds, ratioLine, type CellRow, type RoundFigures } from './agent-kv/cells.js';
import { etcdVersion, startEtcdCluster } from './agent-kv/etcd-cluster.js';
import type { KvCluster } from './agent-kv/kv-cluster.js';
import { runLoad } from './agent-kv/load.js';
import { cpuMsOf } from './agent-kv/proc-cpu.js';
import { startShoalCluster } from './agent-kv/shoal-cluster.js';
import { diskOf } from './raft-log/disk.js';

const BENCH = 'agent-kv';
const OPS: readonly KvOp[] = ['put', 'get'];
const parsed = parseAgentKvArgs(process.argv.slice(2));
if ('error' in parsed) {
  console.error(`${parsed.error}\n${AGENT_KV_USAGE}`);
  process.exit(2);
}
const args = parsed;
const etcd = args.impls.includes('etcd') ? etcdVersion() : undefined;
if (args.impls.includes('etcd') && etcd === undefined) {
  console.error('no etcd to run: apt-get install etcd-server (or set ETCD_BIN), or pass --impl shoal');
  process.exit(2);
}

const root = await mkdtemp(join(tmpdir(), 'shoal-bench-agent-kv-'));
const removeRoot = (): Promise<void> => rm(root, { recursive: true, force: true });
process.once('SIGINT', () => void removeRoot().finally(() => process.exit(130)));
const cpuProfileDir = args.cpuProf === undefined ? undefined : resolve(args.cpuProf);
const round3 = (n: number): number => Number(n.toFixed(3));

console.log(
  JSON.stringify({
    bench: BENCH,
    setup: true,
    dir: root,
    disk: diskOf(root) ?? 'unknown (no /proc/mounts)',
    etcd: etcd ?? null,
    node: process.version,
    clients: args.clients,
    ops: args.ops,
    warmup: args.warmup,
    rounds: args.rounds,
    size: args.size,
    keys: args.keys,
    loadavg: loadavg(),
  }),
);

const maxClients = Math.max(...args.clients);
/** Operation numbers go on counting across cells, so every PUT writes a value of its own. */
const nextOp = new Map<KvImpl, number>();

async function measure(cluster: KvCluster, op: KvOp, clients: number, ops: number, round = 0): Promise<RoundFigures> {
  const pids = Object.values(cluster.pids);
  const firstOp = nextOp.get(cluster.impl) ?? 0;
  nextOp.set(cluster.impl, firstOp + ops);
  const cpuBefore = cpuMsOf(pids);
  const figures = await runLoad({ impl: cluster.impl, op, endpoints: cluster.endpoints, firstEndpoint: round, clients, ops, firstOp, size: args.size, keys: args.keys });
  return { ...figures, cluster_cpu_ms_per_op: (cpuMsOf(pids) - cpuBefore) / Math.max(1, figures.ops) };
}

/** Untimed: a PUT of every key, then the warm-up; throws on any error, as the cells would all fail. */
async function prepare(cluster: KvCluster): Promise<void> {
  const steps: [KvOp, number][] = [['put', args.keys], ['put', args.warmup], ['get', args.warmup]];
  for (const [op, ops] of steps) {
    if (ops === 0) continue;
    const figures = await measure(cluster, op, Math.min(maxClients, ops), ops);
    if (figures.errors > 0) throw new Error(`${cluster.impl} ${op} while preparing: ${figures.errors} errors, first ${figures.first_error}`);
  }
}

const clusters = new Map<KvImpl, KvCluster>();
const runs = new Map<string, RoundFigures[]>();
const cellKey = (impl: KvImpl, op: KvOp, clients: number): string => `${impl}/${op}/${clients}`;
try {
  for (const impl of args.impls) {
    const dir = join(root, impl);
    const cluster = impl === 'shoal' ? await startShoalCluster(dir, cpuProfileDir) : await startEtcdCluster(dir);
    clusters.set(impl, cluster);
    console.log(JSON.stringify({ bench: BENCH, cluster: impl, endpoints: cluster.endpoints, leader: cluster.leader, pids: cluster.pids }));
  }
  for (const cluster of clusters.values()) await prepare(cluster);
  for (let round = 0; round < args.rounds; round++) {
    for (const [o, op] of OPS.entries()) {
      for (const [c, clients] of args.clients.entries()) {
        // The order rotates, so machine noise that drifts hits both alike.
        const order = (round + o + c) % 2 === 0 ? args.impls : [...args.impls].reverse();
        for (const impl of order) {
          const k = cellKey(impl, op, clients);
          runs.set(k, [...(runs.get(k) ?? []), await measure(clusters.get(impl)!, op, clients, args.ops, round)]);
        }
      }
    }
  }
} finally {
  for (const cluster of clusters.values()) await cluster.stop().catch((error: unknown) => console.error(`stopping ${cluster.impl}: ${String(error)}`));
  await removeRoot();
}

const rows = new Map<string, CellRow>();
for (const op of OPS) {
  for (const clients of args.clients) {
    for (const impl of args.impls) {
      const row = combineRounds(runs.get(cellKey(impl, op, clients))!);
      rows.set(cellKey(impl, op, clients), row);
      console.log(
        JSON.stringify({
          bench: BENCH,
          impl,
          op,
          servers: 3,
          clients,
          ...row,
          ops_per_s: Number(row.ops_per_s.toFixed(1)),
          p50_ms: round3(row.p50_ms),
          p99_ms: round3(row.p99_ms),
          max_ms: round3(row.max_ms),
          cluster_cpu_ms_per_op: round3(row.cluster_cpu_ms_per_op),
          size: args.size,
          load1: loadavg()[0],
        }),
      );
    }
  }
}
if (args.impls.length === 2) {
  for (const op of OPS) {
    for (const clients of args.clients) {
      console.log(JSON.stringify({ bench: BENCH, ratios: true, ...ratioLine(op, clients, rows.get(cellKey('shoal', op, clients)), rows.get(cellKey('etcd', op, clients))) }));
    }
  }
}
console.log(JSON.stringify({ bench: BENCH, done: true, failed_cells: [...rows.values()].filter((r) => r.failed).length, loadavg: loadavg() }));
