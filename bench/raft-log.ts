// storeLogs on this machine's real disk: shoal's log store beside a bare
// `write + fdatasync` loop of the same bytes (the physical floor) and
// HashiCorp raft-boltdb (our Go program), for batches of 1, 16 and 64 entries
// of 128 B and 4 KiB. Each (implementation, cell) runs in `rounds` slices of
// at most `slice-ms` or `slice-batches`, whichever comes first, each in a
// fresh directory under os.tmpdir() (removed after); slices of the three
// alternate, their order rotating, so machine noise hits all alike.
// Prints JSON lines: the setup (disk, load), one line per implementation and
// cell, then per cell the ratios the issue targets.
//   node --conditions=source --import tsx bench/raft-log.ts [rounds=8] [slice-ms=250] [slice-batches=250]
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRaftLogBench, raftBoltdbMissingReason } from '../interop/harness/go-raft-log-bench.js';
import { diskOf } from './raft-log/disk.js';
import { BATCH_HEADER_BYTES, ENTRY_HEADER_BYTES, runFdatasync, runRaftBoltdb, runShoal, type Cell, type Impl, type Slice, type SliceBounds } from './raft-log/runners.js';
import { SHOAL_PENDING } from './raft-log/shoal-store.js';

const rounds = Number(process.argv[2] ?? 8);
const bounds: SliceBounds = { maxMs: Number(process.argv[3] ?? 250), maxBatches: Number(process.argv[4] ?? 250) };
const BENCH = 'raft-log';
const CELLS: Cell[] = [1, 16, 64].flatMap((batch) => [128, 4096].map((size) => ({ batch, size })));
/** The targets: latency within 1.3× the bare fdatasync; ≥3× raft-boltdb's throughput at batches of 64. */
const MAX_P50_OVER_FDATASYNC = 1.3;
const MIN_THROUGHPUT_OVER_BOLTDB_AT_64 = 3;

const boltMissing = raftBoltdbMissingReason();
const bin = boltMissing === undefined ? await buildRaftLogBench() : undefined;

type Run = (cell: Cell, dir: string, bounds: SliceBounds) => Promise<Slice>;
const runners = new Map<Impl, Run>([['fdatasync', runFdatasync]]);
if (runShoal !== undefined) runners.set('shoal', runShoal);
if (bin !== undefined) runners.set('raft-boltdb', (cell, dir, b) => runRaftBoltdb(bin, cell, dir, b));
const impls = [...runners.keys()];

interface Totals {
  latenciesMs: number[];
  seconds: number;
  load1: number[];
  store?: string;
}
const totals = new Map<string, Totals>();
const key = (impl: Impl, cell: Cell): string => `${impl}/${cell.batch}/${cell.size}`;

const root = await mkdtemp(join(tmpdir(), 'shoal-raft-log-'));
const removeRoot = (): Promise<void> => rm(root, { recursive: true, force: true });
process.once('SIGINT', () => void removeRoot().finally(() => process.exit(130)));

console.log(
  JSON.stringify({
    bench: BENCH,
    setup: true,
    dir: root,
    disk: diskOf(root) ?? 'unknown (no /proc/mounts)',
    rounds,
    slice_max_ms: bounds.maxMs,
    slice_max_batches: bounds.maxBatches,
    entry_header_bytes: ENTRY_HEADER_BYTES,
    batch_header_bytes: BATCH_HEADER_BYTES,
    loadavg: loadavg(),
    node: process.version,
  }),
);
if (runShoal === undefined) console.log(JSON.stringify({ bench: BENCH, impl: 'shoal', skipped: SHOAL_PENDING }));
if (bin === undefined) console.log(JSON.stringify({ bench: BENCH, impl: 'raft-boltdb', skipped: boltMissing }));

try {
  let sliceNo = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [c, cell] of CELLS.entries()) {
      for (let i = 0; i < impls.length; i++) {
        const impl = impls[(round + c + i) % impls.length]!;
        const dir = join(root, String(sliceNo++));
        await mkdir(dir);
        const slice = await runners.get(impl)!(cell, dir, bounds);
        await rm(dir, { recursive: true, force: true });
        const t = totals.get(key(impl, cell)) ?? { latenciesMs: [], seconds: 0, load1: [] };
        t.latenciesMs.push(...slice.latenciesMs);
        t.seconds += slice.seconds;
        t.load1.push(loadavg()[0]!);
        t.store ??= slice.store;
        totals.set(key(impl, cell), t);
      }
    }
  }
} finally {
  await removeRoot();
}

/** Nearest-rank quantile, the same rule as the Go program. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

interface Figures {
  batches_per_s: number;
  entries_per_s: number;
  p50_ms: number;
  p99_ms: number;
}
const figures = new Map<string, Figures>();
for (const cell of CELLS) {
  for (const impl of impls) {
    const t = totals.get(key(impl, cell))!;
    const sorted = [...t.latenciesMs].sort((a, b) => a - b);
    const f: Figures = {
      batches_per_s: sorted.length / t.seconds,
      entries_per_s: (sorted.length * cell.batch) / t.seconds,
      p50_ms: quantile(sorted, 0.5),
      p99_ms: quantile(sorted, 0.99),
    };
    figures.set(key(impl, cell), f);
    const load1 = t.load1.reduce((a, b) => a + b, 0) / t.load1.length;
    console.log(
      JSON.stringify({ bench: BENCH, impl, ...(t.store ? { store: t.store } : {}), batch: cell.batch, size: cell.size, ...f, max_ms: sorted[sorted.length - 1], batches: sorted.length, seconds: t.seconds, load1 }),
    );
  }
}

const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined ? null : a / b);
for (const cell of CELLS) {
  const shoal = figures.get(key('shoal', cell));
  const bare = figures.get(key('fdatasync', cell))!;
  const bolt = figures.get(key('raft-boltdb', cell));
  const p50Ratio = ratio(shoal?.p50_ms, bare.p50_ms);
  const throughputRatio = ratio(shoal?.entries_per_s, bolt?.entries_per_s);
  console.log(
    JSON.stringify({
      bench: BENCH,
      ratios: true,
      batch: cell.batch,
      size: cell.size,
      shoal_p50_over_fdatasync_p50: p50Ratio,
      shoal_entries_per_s_over_raft_boltdb: throughputRatio,
      raft_boltdb_p50_over_fdatasync_p50: ratio(bolt?.p50_ms, bare.p50_ms),
      latency_target_met: p50Ratio === null ? null : p50Ratio <= MAX_P50_OVER_FDATASYNC,
      throughput_target_met: cell.batch !== 64 || throughputRatio === null ? null : throughputRatio >= MIN_THROUGHPUT_OVER_BOLTDB_AT_64,
    }),
  );
}
console.log(JSON.stringify({ bench: BENCH, done: true, loadavg: loadavg() }));
