// Raft end to end on this machine, shoal against HashiCorp raft 1.1.2 with
// raft-boltdb (our Go programs) in the same run: three servers on loopback
// TCP with durable stores (fsync on), `--clients` concurrent callers of
// apply in the leader's own process, `--size`-byte commands, `--ops` applies
// per cell and round, after a warm-up of `--warmup` applies (at the largest
// client count) on each cluster.
// Layouts: "multi" is one server per process (`shoal raft` from the built
// dist, so run `npx tsc -b` first, or interop/raft-node); "single" is all
// three in one process (bench/raft-cluster/shoal-single.ts, or
// interop/raft-cluster-bench). Both sides run their library's default
// configuration (heartbeat/election 1000 ms, commit timeout 50 ms, 64
// entries per AppendEntries, up to 128 AppendEntries in flight per follower;
// Go 1.1.2 has no pre-vote and shoal runs without it), maxPool 3, 10 s RPC
// timeout. Go writes at most 64 entries to its log at once; shoal's leader
// writes all it has queued (up to 16 times that). Beyond Go, shoal runs with
// config.parallelAppend (the leader replicates while it writes its own copy)
// unless --parallel-append off. With --inline-log-writes on (one server per
// process only) its servers make small log writes on the main thread
// (`shoal raft --inline-log-writes`); off by default, as in `shoal raft`,
// because a heartbeat then waits behind such a write (issue 14 item 1).
// For each layout both clusters start (on fresh stores under os.tmpdir()),
// then `--rounds` times per client count the two run one after the other,
// the order rotating. A cell's ops/s is over all its rounds, its p50 and p99
// the median round's; leader_cpu_ms_per_op is the CPU time of the leader's
// process (the whole process in "single") per apply.
// Prints JSON lines: the setup with the bare write+fdatasync floor and the
// commit floor (commit-floor.ts: a quorum of durable writes over loopback
// with no raft in it, the least a 1-client commit costs here), one line
// per implementation, layout and client count, then per layout and client
// count the shoal/Go ratios and the targets (multi layout).
//   node --conditions=source --import tsx bench/raft-cluster.ts [--clients 1,32,256] [--ops 2000]
//     [--warmup 300] [--rounds 3] [--size 128] [--layout multi|single|both] [--impl shoal|go|both]
//     [--parallel-append on|off] [--inline-log-writes on|off] [--cpu-prof DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RaftImpl } from '../interop/harness/raft-node-process.js';
import { startCluster, type BenchFigures, type Cluster, type Layout } from './raft-cluster/clusters.js';
import { commitFloor } from './raft-cluster/commit-floor.js';
import { fdatasyncFloor } from './raft-cluster/fdatasync-floor.js';
import { diskOf } from './raft-log/disk.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,32,256' },
    ops: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '128' },
    layout: { type: 'string', default: 'both' },
    impl: { type: 'string', default: 'both' },
    'parallel-append': { type: 'string', default: 'on' },
    'inline-log-writes': { type: 'string', default: 'off' },
    'cpu-prof': { type: 'string' },
  },
});
const CLIENTS = args.clients.split(',').map(Number);
const OPS = Number(args.ops);
const WARMUP = Number(args.warmup);
const SIZE = Number(args.size);
const ROUNDS = Number(args.rounds);
const pick = <T extends string>(value: string, all: readonly T[]): T[] | undefined => (value === 'both' ? [...all] : all.includes(value as T) ? [value as T] : undefined);
const LAYOUTS = pick<Layout>(args.layout, ['multi', 'single']);
const IMPLS = pick<RaftImpl>(args.impl, ['shoal', 'go']);
const onOff = (value: string): boolean | undefined => (value === 'on' ? true : value === 'off' ? false : undefined);
const PARALLEL_APPEND = onOff(args['parallel-append']);
const INLINE_LOG_WRITES = onOff(args['inline-log-writes']);
const positive = (n: number): boolean => Number.isInteger(n) && n >= 1;
if (!CLIENTS.every(positive) || !positive(OPS) || !positive(ROUNDS) || !(Number.isInteger(WARMUP) && WARMUP >= 0) || !positive(SIZE) || !LAYOUTS || !IMPLS || PARALLEL_APPEND === undefined || INLINE_LOG_WRITES === undefined) {
  console.error('usage: bench/raft-cluster.ts [--clients 1,32,256] [--ops N] [--warmup N] [--rounds R] [--size B] [--layout multi|single|both] [--impl shoal|go|both] [--parallel-append on|off] [--inline-log-writes on|off] [--cpu-prof DIR]');
  process.exit(2);
}
const BENCH = 'raft-cluster';
/** The targets, one server per process: at 1 client ≥ Go's ops/s and p50 ≤ 1 ms; at more, ≥ 2× Go's ops/s and p99 ≤ Go's. */
const P50_TARGET_MS = 1;
const CONCURRENT_THROUGHPUT_TARGET = 2;
/** Go's raft-boltdb header and our WAL's are about this size per entry: the floor writes a command plus it. */
const FLOOR_BYTES = SIZE + 64;

const root = await mkdtemp(join(tmpdir(), 'shoal-bench-raft-cluster-'));
const removeRoot = (): Promise<void> => rm(root, { recursive: true, force: true });
process.once('SIGINT', () => void removeRoot().finally(() => process.exit(130)));
const cpuProfileDir = args['cpu-prof'] === undefined ? undefined : resolve(args['cpu-prof']);

const floor = await fdatasyncFloor(root, FLOOR_BYTES, 200);
const quorumFloor = await commitFloor(root, FLOOR_BYTES, 500);
console.log(
  JSON.stringify({
    bench: BENCH,
    setup: true,
    dir: root,
    disk: diskOf(root) ?? 'unknown (no /proc/mounts)',
    clients: CLIENTS,
    ops: OPS,
    warmup: WARMUP,
    rounds: ROUNDS,
    size: SIZE,
    shoal_parallel_append: PARALLEL_APPEND,
    shoal_inline_log_writes: INLINE_LOG_WRITES,
    fdatasync_floor: { bytes: FLOOR_BYTES, ...floor },
    commit_floor: { bytes: FLOOR_BYTES, ...quorumFloor },
    loadavg: loadavg(),
    node: process.version,
  }),
);

interface Row extends BenchFigures {
  ops_per_s: number;
  load1: number;
}
const rows = new Map<string, Row>();
const key = (impl: RaftImpl, layout: Layout, clients: number): string => `${impl}/${layout}/${clients}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** The rounds of one cell as one row: throughput over all of them, the median round's latencies. */
function combine(runs: BenchFigures[], load1: number): Row {
  const ops = runs.reduce((n, r) => n + r.ops, 0);
  const elapsed = runs.reduce((n, r) => n + r.elapsed_ms, 0);
  return {
    ops,
    elapsed_ms: elapsed,
    ops_per_s: (ops / elapsed) * 1e3,
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    max_ms: Math.max(...runs.map((r) => r.max_ms)),
    rss_mb: Math.max(...runs.map((r) => r.rss_mb)),
    cpu_ms_per_op: runs.reduce((n, r) => n + r.cpu_ms_per_op * r.ops, 0) / ops,
    load1,
  };
}

async function runLayout(layout: Layout): Promise<void> {
  const clusters = new Map<RaftImpl, Cluster>();
  const runs = new Map<string, BenchFigures[]>();
  try {
    for (const impl of IMPLS!) clusters.set(impl, await startCluster(impl, layout, join(root, layout, impl), { parallelAppend: PARALLEL_APPEND!, inlineLogWrites: INLINE_LOG_WRITES! }, cpuProfileDir));
    for (const impl of IMPLS!) if (WARMUP > 0) await clusters.get(impl)!.bench(Math.max(...CLIENTS), WARMUP, SIZE);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [c, clients] of CLIENTS.entries()) {
        // The order rotates, so machine noise that drifts hits both alike.
        const order = (c + round) % 2 === 0 ? IMPLS! : [...IMPLS!].reverse();
        for (const impl of order) {
          const k = key(impl, layout, clients);
          runs.set(k, [...(runs.get(k) ?? []), await clusters.get(impl)!.bench(clients, OPS, SIZE)]);
        }
      }
    }
  } finally {
    for (const cluster of clusters.values()) await cluster.stop();
  }
  const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
  for (const clients of CLIENTS) {
    for (const impl of IMPLS!) {
      const row = combine(runs.get(key(impl, layout, clients))!, loadavg()[0]!);
      rows.set(key(impl, layout, clients), row);
      console.log(
        JSON.stringify({
          bench: BENCH,
          impl,
          layout,
          servers: 3,
          clients,
          ops: row.ops,
          size: SIZE,
          ops_per_s: round(row.ops_per_s, 1),
          p50_ms: round(row.p50_ms),
          p99_ms: round(row.p99_ms),
          rss_mb: round(row.rss_mb, 1),
          max_ms: round(row.max_ms),
          leader_cpu_ms_per_op: round(row.cpu_ms_per_op),
          rounds: ROUNDS,
          load1: row.load1,
        }),
      );
    }
  }
}

try {
  for (const layout of LAYOUTS) await runLayout(layout);
} finally {
  await removeRoot();
}

const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined ? null : Number((a / b).toFixed(3)));
for (const layout of LAYOUTS) {
  for (const clients of CLIENTS) {
    const shoal = rows.get(key('shoal', layout, clients));
    const go = rows.get(key('go', layout, clients));
    const throughput = ratio(shoal?.ops_per_s, go?.ops_per_s);
    const p99 = ratio(shoal?.p99_ms, go?.p99_ms);
    let targetsMet: boolean | null = null;
    if (layout === 'multi' && shoal && throughput !== null && p99 !== null) {
      targetsMet = clients === 1 ? throughput >= 1 && shoal.p50_ms <= P50_TARGET_MS : throughput >= CONCURRENT_THROUGHPUT_TARGET && p99 <= 1;
    }
    console.log(
      JSON.stringify({
        bench: BENCH,
        ratios: true,
        layout,
        clients,
        shoal_over_go_ops_per_s: throughput,
        shoal_over_go_p50: ratio(shoal?.p50_ms, go?.p50_ms),
        shoal_over_go_p99: p99,
        shoal_p50_over_fdatasync_floor: ratio(shoal?.p50_ms, floor.p50_ms),
        shoal_p50_over_commit_floor: ratio(shoal?.p50_ms, quorumFloor.p50_ms),
        shoal_over_go_leader_cpu_per_op: ratio(shoal?.cpu_ms_per_op, go?.cpu_ms_per_op),
        targets_met: targetsMet,
      }),
    );
  }
}
console.log(JSON.stringify({ bench: BENCH, done: true, loadavg: loadavg() }));
