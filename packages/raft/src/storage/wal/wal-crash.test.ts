// WalLogStore under crashes on the simulated disk: a random stream of
// appends (some concurrent), compactions and tail truncations, a crash at a
// random disk operation, and a reopen that must show exactly the acknowledged
// log plus some prefix of the operations that were in flight. Segments are
// small, so compactions free them often and most runs reuse freed files. Then damaged
// files: a flipped byte is a LogCorruptionError, garbage is a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, seededRandom, utf8 } from '@shoal/kit';
import type { LogEntry, Random } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { LogCorruptionError, RaftError } from '../../errors.js';
import { makeLog, sameEntry, type Log } from '../../log.js';
import { WalLogStore } from './wal-log-store.js';

const BASE_SEED = Number(process.env['SHOAL_SEED'] ?? 7100);
const SEEDS = Number(process.env['SHOAL_WAL_SEEDS'] ?? 150);
const OPTIONS = { segmentBytes: 1024, cacheEntries: 4 };
/** Zeros ahead of the log: none, a few frames' worth, or to the end of each (small) segment. */
const PREALLOCATE_CHOICES = [0, 200, 4 * 1024 * 1024];
/** Freed segment files kept for reuse: the default, one, none. */
const REUSE_CHOICES = [2, 1, 0];

type Op = { kind: 'append'; logs: Log[] } | { kind: 'delete'; min: number; max: number };

function apply(log: readonly Log[], op: Op): Log[] {
  if (op.kind === 'append') return [...(log.length === 0 || log.at(-1)!.index + 1 === op.logs[0]!.index ? log : []), ...op.logs];
  return log.filter((l) => l.index < op.min || l.index > op.max);
}

function randomBytes(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = random.int(256);
  return out;
}

function batch(random: Random, from: number, term: number): Log[] {
  const count = 1 + random.int(6);
  return Array.from({ length: count }, (_, i) => makeLog({ index: from + i, term, data: randomBytes(random, random.int(120)) }));
}

async function readAll(store: WalLogStore): Promise<Log[]> {
  const first = await store.firstIndex();
  const last = await store.lastIndex();
  const out: Log[] = [];
  for (let i = first; i <= last && last > 0; i++) out.push(await store.getLog(i));
  return out;
}

function sameLog(a: readonly Log[], b: readonly Log[]): boolean {
  return a.length === b.length && a.every((l, i) => sameEntry(l, b[i]!));
}

function describe(log: readonly Log[]): string {
  return log.length === 0 ? 'empty' : `[${log[0]!.index}..${log.at(-1)!.index}] term ${log.at(-1)!.term}`;
}

/** One seed: runs the workload until the disk crashes at a random operation, then checks the reopened log. */
async function crashRun(seed: number, tally: { cuts: number; inFlight: number; reused: number }): Promise<void> {
  const random = seededRandom(seed);
  const options = {
    ...OPTIONS,
    preallocateBytes: PREALLOCATE_CHOICES[seed % PREALLOCATE_CHOICES.length]!,
    reuseSegments: REUSE_CHOICES[Math.floor(seed / PREALLOCATE_CHOICES.length) % REUSE_CHOICES.length]!,
  };
  const sim = new Simulation({ seed });
  let diskOps = 0;
  const crashAt = 1 + random.int(600);
  let crashed = false;
  const disk: SimDisk = new SimDisk(sim, {
    tornWriteProbability: random.chance(0.5) ? 1 : 0.5,
    crashKeeps: random.chance(0.5) ? 'random-prefix' : 'none',
    fault: () => {
      if (crashed || ++diskOps < crashAt) return undefined;
      crashed = true;
      disk.crash();
      return 'EIO';
    },
  });
  let acked: Log[] = [];
  const inFlight: Op[] = [];
  let term = 1;
  let reusedBeforeCrash = 0;
  try {
    const store = await WalLogStore.open(disk.fileSystem(), 'wal', options);
    while (!crashed) {
      reusedBeforeCrash = store.stats().reusedSegments;
      const last = acked.at(-1)?.index ?? 0;
      const first = acked[0]?.index ?? 0;
      const roll = random.float();
      let ops: Op[];
      if (roll < 0.1 && acked.length > 4) ops = [{ kind: 'delete', min: first, max: first + random.int(acked.length - 1) }];
      else if (roll < 0.2 && acked.length > 4) {
        ops = [{ kind: 'delete', min: first + 1 + random.int(acked.length - 1), max: last }];
        term++;
      } else if (roll < 0.22) ops = [{ kind: 'delete', min: 0, max: last }];
      else {
        ops = [];
        let next = last === 0 ? 1 + random.int(3) : last + 1;
        for (let n = random.chance(0.4) ? 2 + random.int(4) : 1; n > 0; n--) {
          const logs = batch(random, next, term);
          next += logs.length;
          ops.push({ kind: 'append', logs });
        }
      }
      inFlight.push(...ops);
      const results = await Promise.allSettled(ops.map((op) => (op.kind === 'append' ? store.storeLogs(op.logs) : store.deleteRange(op.min, op.max))));
      for (const result of results) {
        if (result.status === 'rejected') break;
        acked = apply(acked, inFlight.shift()!);
      }
      if (results.some((r) => r.status === 'rejected') && !crashed) throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    }
  } catch (err) {
    if (!crashed) throw err;
  }
  // Crashed (in open or mid-stream): the log is the acknowledged one plus a prefix of what was in flight.
  const candidates: Log[][] = [acked];
  for (const op of inFlight) candidates.push(apply(candidates.at(-1)!, op));
  const warnings: LogEntry[] = [];
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { ...options, logger: createLogger((e) => warnings.push(e), 'warn') });
  const got = await readAll(reopened);
  assert.ok(
    candidates.some((c) => sameLog(c, got)),
    `seed ${seed} (crash at disk op ${crashAt}): got ${describe(got)}, acknowledged ${describe(acked)}, in flight ${inFlight.length}`,
  );
  if (reopened.stats().cutBytes > 0) tally.cuts++;
  if (reusedBeforeCrash > 0) tally.reused++;
  if (inFlight.length > 0) tally.inFlight++;
  if (reopened.stats().cutBytes > 0) assert.ok(warnings.some((w) => typeof w['lastGoodIndex'] === 'number' && typeof w['offset'] === 'number'), `seed ${seed}: a cut is logged`);
  // The recovered store keeps working, and what it acknowledges now survives the next crash.
  const next = got.length === 0 ? 1 : got.at(-1)!.index + 1;
  const more = batch(random, next, term + 1);
  await reopened.storeLogs(more);
  disk.crash();
  const again = await readAll(await WalLogStore.open(disk.fileSystem(), 'wal', options));
  assert.ok(sameLog(again, apply(got, { kind: 'append', logs: more })), `seed ${seed}: the batch after recovery survives`);
}

test(`WalLogStore: a crash at a random point loses nothing acknowledged and shows no partial batch (${SEEDS} seeds from ${BASE_SEED})`, async () => {
  const tally = { cuts: 0, inFlight: 0, reused: 0 };
  for (let seed = BASE_SEED; seed < BASE_SEED + SEEDS; seed++) {
    try {
      await crashRun(seed, tally);
    } catch (err) {
      console.log(`wal crash test failed with seed ${seed} (replay: SHOAL_SEED=${seed} SHOAL_WAL_SEEDS=1)`);
      throw err;
    }
  }
  console.log(
    `wal crash: ${SEEDS} seeds from ${BASE_SEED}; ${tally.inFlight} crashed with operations in flight, ${tally.cuts} recovered by cutting a torn tail, ${tally.reused} had reused a freed segment file`,
  );
  assert.ok(tally.cuts > 0 && tally.inFlight > 0, 'the crashes exercised torn tails and in-flight operations');
  assert.ok(tally.reused > SEEDS / 4, 'the crashes hit logs writing into reused files');
});

async function writeSome(disk: SimDisk, batches: number): Promise<void> {
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 64 * 1024 });
  for (let i = 0; i < batches; i++) await store.storeLogs([1, 2, 3].map((k) => makeLog({ index: i * 3 + k, term: 1, data: utf8(`value ${i * 3 + k}`) })));
  await store.close();
}

test('WalLogStore: a flipped byte before the last commit is a LogCorruptionError naming file and offset', async () => {
  const random = seededRandom(BASE_SEED);
  for (let trial = 0; trial < 40; trial++) {
    const disk = new SimDisk(new Simulation({ seed: BASE_SEED + trial }));
    await writeSome(disk, 40);
    const fs = disk.fileSystem();
    const path = 'wal/00000000000000000001-0000000000000001.wal';
    const bytes = await fs.readFile(path);
    // Anywhere from just past the header to well before the final batch (the zeros after it are preallocation).
    const dataEnd = bytes.findLastIndex((b) => b !== 0) + 1;
    const at = 24 + random.int(Math.floor(dataEnd * 0.8) - 24);
    const handle = await fs.open(path);
    await handle.write(at, new Uint8Array([bytes[at]! ^ (1 << random.int(8))]));
    await handle.sync();
    await assert.rejects(WalLogStore.open(fs, 'wal'), (err: unknown) => {
      assert.ok(err instanceof LogCorruptionError, `trial ${trial}, byte ${at}: ${String(err)}`);
      assert.equal(err.file, path);
      assert.ok(err.offset <= at && err.offset >= 24, `offset ${err.offset} for a flip at ${at}`);
      return true;
    });
  }
});

test('WalLogStore: garbage files give typed errors, never a crash or a hang', async () => {
  const random = seededRandom(BASE_SEED + 1);
  for (let trial = 0; trial < 60; trial++) {
    const disk = new SimDisk(new Simulation({ seed: trial }));
    const fs = disk.fileSystem();
    await fs.mkdir('wal');
    const base = 1 + random.int(1000);
    const name = `wal/${String(base).padStart(20, '0')}-${String(trial).padStart(16, '0')}.wal`;
    if (trial % 2 === 0) {
      await fs.writeFile(name, randomBytes(random, random.int(4096)));
    } else {
      // A valid segment whose frames are then overwritten by garbage.
      await writeSome(disk, 5);
      const real = await fs.readFile('wal/00000000000000000001-0000000000000001.wal');
      const garbage = randomBytes(random, real.length - 40);
      const handle = await fs.open('wal/00000000000000000001-0000000000000001.wal');
      await handle.write(40, garbage);
    }
    try {
      const store = await WalLogStore.open(fs, 'wal');
      // Opening may succeed when the garbage reads as a torn tail; then reads must work.
      const first = await store.firstIndex();
      const last = await store.lastIndex();
      for (let i = first; i <= last && last > 0; i++) await store.getLog(i);
    } catch (err) {
      assert.ok(err instanceof RaftError, `trial ${trial}: ${String(err)}`);
    }
  }
});
