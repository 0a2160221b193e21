// storeLogs on this machine's real disk: shoal's log store beside two bare
// references of the same bytes, group-committed like a log's when callers are
// concurrent (`write + fdatasync` appending to a file, the reference the
// issue names, and one O_DSYNC write into preallocated space, the least a
// durable write costs on this disk; and the same with a CRC-32 of each
// record computed before it, the least a store with a CRC per record
// costs), and HashiCorp raft-boltdb (our Go
// program), for 1 and 8 concurrent writers (--writers) and batches of 1, 16
// and 64 entries of 128 B and 4 KiB. Each writer calls storeLogs with its own
// batches back to back. In each cell the five run in slices of --slice-ms
// each in turn, their order rotating, so machine noise hits all alike, until
// each has had --cell-ms of wall time. Each cell's stores start on fresh
// directories under os.tmpdir(), removed after. Latency is one storeLogs call
// as its caller sees it (waiting for others' syncs included); throughput is
// batches over the wall time of the slices.
// With --steady two more rows run in the same slices: shoal's store and
// raft-boltdb each brought to a steady state first, a log that has been
// compacting for a while rather than a fresh one (bench/raft-log/steady.ts),
// and compacted again, untimed, before each of their slices.
// Prints JSON lines: the setup (disk, load), one line per implementation and
// cell, then per cell the ratios the issue targets.
//   node --conditions=source --import tsx bench/raft-log.ts [--writers 1,8] [--batches 1,16,64] [--cell-ms 4000] [--slice-ms 500] [--steady]
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRaftLogBench, raftBoltdbMissingReason } from '../interop/harness/go-raft-log-bench.js';
import { diskOf } from './raft-log/disk.js';
import {
  BATCH_HEADER_BYTES,
  ENTRY_HEADER_BYTES,
  openCrcDsyncPreallocated,
  openDsyncPreallocated,
  openFdatasync,
  openShoalAppender,
  openShoalSteadyAppender,
  raftBoltdbAppender,
  raftBoltdbSteadyAppender,
  type Appender,
  type Cell,
  type Impl,
  type OpenAppender,
} from './raft-log/runners.js';
import { SHOAL_PENDING } from './raft-log/shoal-store.js';
import { STEADY_KEEP, type SteadyCell } from './raft-log/steady.js';

const USAGE = 'usage: bench/raft-log.ts [--writers 1,8] [--batches 1,16,64] [--cell-ms MS] [--slice-ms MS] [--steady] (the comment at the top of bench/raft-log.ts says what each row is)';
const args = (() => {
  try {
    return parseArgs({
      options: {
        writers: { type: 'string', default: '1,8' },
        batches: { type: 'string', default: '1,16,64' },
        'cell-ms': { type: 'string', default: '4000' },
        'slice-ms': { type: 'string', default: '500' },
        steady: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`bench/raft-log.ts: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const WRITERS = args.writers.split(',').map(Number);
const BATCHES = args.batches.split(',').map(Number);
const cellMs = Number(args['cell-ms']);
const sliceMs = Number(args['slice-ms']);
if (![...WRITERS, ...BATCHES].every((n) => Number.isInteger(n) && n >= 1) || !(cellMs > 0) || !(sliceMs > 0)) {
  console.error(USAGE);
  process.exit(2);
}
const rounds = Math.max(1, Math.round(cellMs / sliceMs));
const BENCH = 'raft-log';
const CELLS: Cell[] = WRITERS.flatMap((writers) => BATCHES.flatMap((batch) => [128, 4096].map((size) => ({ writers, batch, size }))));
/** The targets: latency within 1.3× the bare fdatasync; ≥3× raft-boltdb's throughput at batches of 64. */
const MAX_P50_OVER_FDATASYNC = 1.3;
const MIN_THROUGHPUT_OVER_BOLTDB_AT_64 = 3;

const boltMissing = raftBoltdbMissingReason();
const bin = boltMissing === undefined ? await buildRaftLogBench() : undefined;

const openers = new Map<Impl, OpenAppender>([
  ['fdatasync', openFdatasync],
  ['dsync-preallocated', openDsyncPreallocated],
  ['crc-dsync-preallocated', openCrcDsyncPreallocated],
]);
if (openShoalAppender !== undefined) openers.set('shoal', openShoalAppender);
if (bin !== undefined) openers.set('raft-boltdb', raftBoltdbAppender(bin));
// shoal's steady row opens first: its fill decides how many entries raft-boltdb's stores.
if (args.steady && openShoalSteadyAppender !== undefined) openers.set('shoal-steady', openShoalSteadyAppender);
if (args.steady && openShoalSteadyAppender !== undefined && bin !== undefined) openers.set('raft-boltdb-steady', raftBoltdbSteadyAppender(bin));
const impls = [...openers.keys()];

interface Totals {
  latenciesMs: number[];
  elapsedMs: number;
  /** Writes + datasyncs in the timed slices, where the implementation counts them. */
  syncs?: number;
  load1: number;
  storeName?: string;
  notes?: Record<string, number>;
}
const totals = new Map<string, Totals>();
const key = (impl: Impl, cell: Cell): string => `${impl}/${cell.writers}/${cell.batch}/${cell.size}`;

const root = await mkdtemp(join(tmpdir(), 'shoal-bench-raft-log-'));
const removeRoot = (): Promise<void> => rm(root, { recursive: true, force: true });
process.once('SIGINT', () => void removeRoot().finally(() => process.exit(130)));

console.log(
  JSON.stringify({
    bench: BENCH,
    setup: true,
    dir: root,
    disk: diskOf(root) ?? 'unknown (no /proc/mounts)',
    writers: WRITERS,
    batches: BATCHES,
    cell_ms: cellMs,
    slice_ms: sliceMs,
    rounds,
    steady: args.steady ? { keep: STEADY_KEEP } : false,
    entry_header_bytes: ENTRY_HEADER_BYTES,
    batch_header_bytes: BATCH_HEADER_BYTES,
    loadavg: loadavg(),
    node: process.version,
  }),
);
if (openShoalAppender === undefined) console.log(JSON.stringify({ bench: BENCH, impl: 'shoal', skipped: SHOAL_PENDING }));
if (bin === undefined) console.log(JSON.stringify({ bench: BENCH, impl: 'raft-boltdb', skipped: boltMissing }));

/** Runs one cell: every implementation on its own fresh directory, one slice each in turn, the order rotating. */
async function runCell(cell: Cell, cellDir: string): Promise<void> {
  const appenders: Appender[] = [];
  const got: Totals[] = impls.map(() => ({ latenciesMs: [], elapsedMs: 0, load1: 0 }));
  const steady: SteadyCell = {};
  try {
    for (const impl of impls) {
      const dir = join(cellDir, impl);
      await mkdir(dir, { recursive: true });
      appenders.push(await openers.get(impl)!(cell, dir, steady));
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < impls.length; i++) {
        const which = (round + i) % impls.length;
        const a = appenders[which]!;
        const t = got[which]!;
        await a.compact?.();
        const syncs0 = a.syncs?.();
        const slice = await a.run(sliceMs);
        for (const ms of slice.latenciesMs) t.latenciesMs.push(ms);
        t.elapsedMs += slice.elapsedMs;
        if (syncs0 !== undefined) t.syncs = (t.syncs ?? 0) + a.syncs!() - syncs0;
      }
    }
  } finally {
    for (const a of appenders) await a.close();
  }
  impls.forEach((impl, i) => totals.set(key(impl, cell), { ...got[i]!, load1: loadavg()[0]!, storeName: appenders[i]!.storeName, notes: appenders[i]!.notes?.() }));
}

try {
  for (const [c, cell] of CELLS.entries()) await runCell(cell, join(root, String(c)));
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
    const seconds = t.elapsedMs / 1e3;
    const f: Figures = {
      batches_per_s: sorted.length / seconds,
      entries_per_s: (sorted.length * cell.batch) / seconds,
      p50_ms: quantile(sorted, 0.5),
      p99_ms: quantile(sorted, 0.99),
    };
    figures.set(key(impl, cell), f);
    console.log(
      JSON.stringify({
        bench: BENCH,
        impl,
        ...(t.storeName ? { store: t.storeName } : {}),
        writers: cell.writers,
        batch: cell.batch,
        size: cell.size,
        ...f,
        max_ms: sorted[sorted.length - 1],
        batches: sorted.length,
        ...(t.syncs ? { batches_per_sync: sorted.length / t.syncs } : {}),
        ...t.notes,
        load1: t.load1,
      }),
    );
  }
}

const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined ? null : a / b);
for (const cell of CELLS) {
  const shoal = figures.get(key('shoal', cell));
  const bare = figures.get(key('fdatasync', cell))!;
  const disk = figures.get(key('dsync-preallocated', cell))!;
  const crcDisk = figures.get(key('crc-dsync-preallocated', cell))!;
  const bolt = figures.get(key('raft-boltdb', cell));
  const shoalSteady = figures.get(key('shoal-steady', cell));
  const boltSteady = figures.get(key('raft-boltdb-steady', cell));
  const p50Ratio = ratio(shoal?.p50_ms, bare.p50_ms);
  const throughputRatio = ratio(shoal?.entries_per_s, bolt?.entries_per_s);
  // What the disk itself allows over raft-boltdb: where this is under the target, no store can meet it.
  const diskOverBolt = ratio(disk.entries_per_s, bolt?.entries_per_s);
  console.log(
    JSON.stringify({
      bench: BENCH,
      ratios: true,
      writers: cell.writers,
      batch: cell.batch,
      size: cell.size,
      shoal_p50_over_fdatasync_p50: p50Ratio,
      shoal_entries_per_s_over_raft_boltdb: throughputRatio,
      raft_boltdb_p50_over_fdatasync_p50: ratio(bolt?.p50_ms, bare.p50_ms),
      shoal_p50_over_dsync_preallocated_p50: ratio(shoal?.p50_ms, disk.p50_ms),
      shoal_entries_per_s_over_dsync_preallocated: ratio(shoal?.entries_per_s, disk.entries_per_s),
      dsync_preallocated_entries_per_s_over_raft_boltdb: diskOverBolt,
      crc_dsync_preallocated_entries_per_s_over_raft_boltdb: ratio(crcDisk.entries_per_s, bolt?.entries_per_s),
      shoal_entries_per_s_over_crc_dsync_preallocated: ratio(shoal?.entries_per_s, crcDisk.entries_per_s),
      latency_target_met: p50Ratio === null ? null : p50Ratio <= MAX_P50_OVER_FDATASYNC,
      throughput_target_met: cell.batch !== 64 || throughputRatio === null ? null : throughputRatio >= MIN_THROUGHPUT_OVER_BOLTDB_AT_64,
      throughput_target_within_disk: cell.batch !== 64 || diskOverBolt === null ? null : diskOverBolt >= MIN_THROUGHPUT_OVER_BOLTDB_AT_64,
      ...(shoalSteady === undefined
        ? {}
        : {
            shoal_steady_p50_over_fdatasync_p50: ratio(shoalSteady.p50_ms, bare.p50_ms),
            shoal_steady_entries_per_s_over_raft_boltdb_steady: ratio(shoalSteady.entries_per_s, boltSteady?.entries_per_s),
            // raft-boltdb fresh is raft-boltdb at its best (no freelist to write): the harder comparison.
            shoal_steady_entries_per_s_over_raft_boltdb: ratio(shoalSteady.entries_per_s, bolt?.entries_per_s),
            shoal_steady_entries_per_s_over_shoal: ratio(shoalSteady.entries_per_s, shoal?.entries_per_s),
            shoal_steady_entries_per_s_over_dsync_preallocated: ratio(shoalSteady.entries_per_s, disk.entries_per_s),
            // The floor for a store with a CRC per record: what is left between the two is the store's own cost.
            shoal_steady_p50_over_crc_dsync_preallocated_p50: ratio(shoalSteady.p50_ms, crcDisk.p50_ms),
            shoal_steady_entries_per_s_over_crc_dsync_preallocated: ratio(shoalSteady.entries_per_s, crcDisk.entries_per_s),
          }),
    }),
  );
}
console.log(JSON.stringify({ bench: BENCH, done: true, loadavg: loadavg() }));
