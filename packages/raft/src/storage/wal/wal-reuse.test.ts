// Reusing the segment files compaction frees, on the simulated disk: the
// rule recovery applies to what lies past the last complete batch of a reused
// file (a table of hand-built files), and the store freeing, keeping and
// reusing files across clean reopens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, utf8 } from '@shoal/kit';
import type { FileSystem, LogEntry } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { LogCorruptionError } from '../../errors.js';
import { makeLog, type Log } from '../../log.js';
import { commitFrame, entryFrameBytes, writeEntryFrame } from './frame.js';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, saltOf, segmentName } from './segment.js';
import { WalLogStore } from './wal-log-store.js';

function entry(index: number, tag = 'a', size = 40): Log {
  return makeLog({ index, term: 1, data: utf8(`${tag}${index}:`.padEnd(size, 'x')) });
}

function entries(from: number, to: number, tag = 'a', size = 40): Log[] {
  const out: Log[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, tag, size));
  return out;
}

function entryFrame(log: Log, salt: number): Uint8Array {
  const out = new Uint8Array(entryFrameBytes(log));
  writeEntryFrame(out, 0, log, salt);
  return out;
}

/** The bytes of a file built from parts (only ever written to a disk, so a Buffer will do). */
const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);

async function readAll(store: WalLogStore): Promise<Log[]> {
  const out: Log[] = [];
  const last = await store.lastIndex();
  for (let i = await store.firstIndex(); i <= last && last > 0; i++) out.push(await store.getLog(i));
  return out;
}

const text = (log: Log): string => new TextDecoder().decode(log.data);
const warningsInto = (list: LogEntry[]) => createLogger((e) => list.push(e), 'warn');

/** The segment every case builds: sequence 5, written over a file whose last segment was sequence 3. */
const ID = { base: 1, seq: 5 };
const SALT = saltOf(ID.seq);
const OLD_SALT = saltOf(3);
const PATH = `wal/${segmentName(ID.base, ID.seq)}`;

/** Entries 1–3 of this segment and their commit: what every case's log holds for sure. */
function batchA(): Uint8Array {
  const frames = entries(1, 3).map((l) => entryFrame(l, SALT));
  return concat([...frames, commitFrame(3, SEGMENT_HEADER_BYTES, SALT)]);
}
const END_A = SEGMENT_HEADER_BYTES + batchA().length;

/** An earlier segment's batch (entries `from`..`to`, another salt, data that differs), as it lies in a reused file. */
function oldBatch(from: number, to: number, at: number): Uint8Array {
  return concat([...entries(from, to, 'old').map((l) => entryFrame(l, OLD_SALT)), commitFrame(to, at, OLD_SALT)]);
}

interface Case {
  name: string;
  reused: boolean;
  /** Bytes past batch A. */
  after: () => Uint8Array;
  expect: 'end' | 'cut' | 'corruption';
}

const CASES: Case[] = [
  {
    name: "an earlier segment's intact frames right after the last batch (a commit among them claiming a later write): the end",
    reused: true,
    after: () => oldBatch(4, 6, END_A + 5),
    expect: 'end',
  },
  {
    name: "a piece of an earlier segment's frame, then whole ones: the end",
    reused: true,
    after: () => concat([entryFrame(entry(9, 'old'), OLD_SALT).subarray(13), oldBatch(10, 12, 0)]),
    expect: 'end',
  },
  {
    name: "this segment's entries without their commit (a torn write), then old frames: cut back to the last batch",
    reused: true,
    after: () => concat([entryFrame(entry(4), SALT), entryFrame(entry(5), SALT), oldBatch(6, 7, 0)]),
    expect: 'cut',
  },
  {
    name: "old bytes where a write began, then that write's own frames and commit (its first page lost): cut, not corruption",
    reused: true,
    after: () => concat([entryFrame(entry(4, 'old'), OLD_SALT), entryFrame(entry(5), SALT), commitFrame(5, END_A, SALT)]),
    expect: 'cut',
  },
  {
    name: "a damaged frame of this segment, then a later write's valid frames and commit: corruption",
    reused: true,
    after: () => {
      const damaged = entryFrame(entry(4), SALT);
      damaged[30] = damaged[30]! ^ 0x10;
      const laterAt = END_A + damaged.length;
      return concat([damaged, entryFrame(entry(5), SALT), commitFrame(5, laterAt, SALT)]);
    },
    expect: 'corruption',
  },
  {
    name: "old bytes, then a later write's valid frames and commit of this segment: corruption",
    reused: true,
    after: () => {
      const old = entryFrame(entry(4, 'old'), OLD_SALT);
      return concat([old, entryFrame(entry(5), SALT), commitFrame(5, END_A + old.length, SALT)]);
    },
    expect: 'corruption',
  },
  {
    name: "an earlier segment's frames in a file the header calls new: cut (a new file holds zeros past its log)",
    reused: false,
    after: () => oldBatch(4, 6, END_A + 5),
    expect: 'cut',
  },
];

async function buildSegment(fs: FileSystem, reused: boolean, after: Uint8Array): Promise<number> {
  await fs.mkdir('wal');
  await fs.syncDir('/');
  const handle = await fs.open(PATH, { create: true });
  const bytes = concat([encodeSegmentHeader(ID, reused), batchA(), after]);
  await handle.write(0, bytes);
  await handle.sync();
  await handle.close();
  await fs.syncDir('wal');
  return bytes.length;
}

for (const c of CASES) {
  test(`WAL recovery of a reused file: ${c.name}`, async () => {
    const disk = new SimDisk(new Simulation({ seed: 1 }), { tornWriteProbability: 0 });
    const fs = disk.fileSystem();
    const size = await buildSegment(fs, c.reused, c.after());
    const warnings: LogEntry[] = [];
    if (c.expect === 'corruption') {
      await assert.rejects(WalLogStore.open(fs, 'wal', { logger: warningsInto(warnings) }), (err: unknown) => {
        assert.ok(err instanceof LogCorruptionError, String(err));
        assert.match(err.message, /later committed batch/);
        return true;
      });
      // Read-only (the dump) says the same, and neither changed the file.
      await assert.rejects(WalLogStore.open(fs, 'wal', { readOnly: true }), LogCorruptionError);
      assert.equal((await fs.stat(PATH))!.size, size);
      return;
    }
    const store = await WalLogStore.open(fs, 'wal', { logger: warningsInto(warnings) });
    assert.deepEqual((await readAll(store)).map(text), entries(1, 3).map(text), 'exactly batch A');
    if (c.expect === 'end') {
      assert.deepEqual(warnings, []);
      assert.equal(store.stats().cutBytes, 0);
      assert.equal((await fs.stat(PATH))!.size, size, 'the old bytes stay, allocated for the appends to come');
    } else {
      assert.ok(warnings.some((w) => w.msg.includes('torn tail') && w['lastGoodIndex'] === 3), JSON.stringify(warnings));
      assert.equal(store.stats().cutBytes, size - END_A);
      assert.equal((await fs.stat(PATH))!.size, END_A, 'cut back to the last batch');
    }
    // Appends go on after batch A, and survive a crash; none of what lay past it comes back.
    await store.storeLogs(entries(4, 5, 'new'));
    disk.crash();
    const again = await WalLogStore.open(disk.fileSystem(), 'wal', { logger: warningsInto(warnings) });
    assert.deepEqual((await readAll(again)).map(text), [...entries(1, 3), ...entries(4, 5, 'new')].map(text));
  });
}

const SMALL = { segmentBytes: 4096, preallocateBytes: 0 };

async function names(fs: FileSystem): Promise<string[]> {
  return (await fs.list('wal')).filter((n) => n !== 'head').sort();
}

test('WalLogStore keeps the segments a compaction frees (up to reuseSegments) and makes them its next segments', async () => {
  const disk = new SimDisk(new Simulation({ seed: 2 }), { tornWriteProbability: 0 });
  const fs = disk.fileSystem();
  const store = await WalLogStore.open(fs, 'wal', SMALL);
  let next = 1;
  while (store.stats().segments < 5) {
    await store.storeLogs(entries(next, next + 3, 'a', 200));
    next += 4;
  }
  const before = await names(fs);
  await store.deleteRange(1, next - 20);
  assert.equal(store.stats().freeSegments, 2);
  const free = (await names(fs)).filter((n) => n.endsWith('.free'));
  assert.equal(free.length, 2, `${before} -> ${await names(fs)}`);
  // The two oldest freed files are kept, named after the segments they held; the others are removed.
  assert.deepEqual(free, before.slice(0, 2).map((n) => `${n.slice(21, 37)}.free`));
  const freeSize = (await fs.stat(`wal/${free[0]}`))!.size;

  const rotations = store.stats().segments;
  while (store.stats().segments === rotations) {
    await store.storeLogs(entries(next, next + 3, 'a', 200));
    next += 4;
  }
  assert.equal(store.stats().reusedSegments, 1);
  assert.equal(store.stats().freeSegments, 1);
  const active = (await names(fs)).filter((n) => n.endsWith('.wal')).at(-1)!;
  assert.equal((await fs.stat(`wal/${active}`))!.size, freeSize, 'the reused file, its old bytes past the log');
  // Appends inside the reused file overwrite it: its size does not change.
  await store.storeLogs(entries(next, next + 1, 'a', 200));
  next += 2;
  assert.equal((await fs.stat(`wal/${active}`))!.size, freeSize);
  const expected = (await readAll(store)).map(text);
  await store.close();

  disk.crash();
  const warnings: LogEntry[] = [];
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { ...SMALL, logger: warningsInto(warnings) });
  assert.deepEqual(warnings, [], 'a clean reopen of a reused segment cuts nothing');
  assert.equal(reopened.stats().cutBytes, 0);
  assert.equal(reopened.stats().freeSegments, 1, 'the free file is known again');
  assert.equal((await disk.fileSystem().stat(`wal/${active}`))!.size, freeSize);
  assert.deepEqual((await readAll(reopened)).map(text), expected);
  await reopened.storeLogs(entries(next, next + 2, 'b', 200));
  disk.crash();
  const readOnly = await WalLogStore.open(disk.fileSystem(), 'wal', { readOnly: true });
  assert.deepEqual((await readAll(readOnly)).map(text), [...expected, ...entries(next, next + 2, 'b', 200).map(text)]);
});

test('WalLogStore with reuseSegments 0 keeps no freed file; lowering it drops the extra ones at open', async () => {
  const disk = new SimDisk(new Simulation({ seed: 3 }), { tornWriteProbability: 0 });
  const fs = disk.fileSystem();
  const store = await WalLogStore.open(fs, 'wal', { ...SMALL, reuseSegments: 3 });
  for (let i = 1; i <= 200; i += 4) await store.storeLogs(entries(i, i + 3, 'a', 200));
  await store.deleteRange(1, 150);
  assert.equal(store.stats().freeSegments, 3);
  await store.close();
  const lowered = await WalLogStore.open(fs, 'wal', { ...SMALL, reuseSegments: 1 });
  assert.equal(lowered.stats().freeSegments, 1);
  assert.equal((await names(fs)).filter((n) => n.endsWith('.free')).length, 1);
  await lowered.close();
  const none = await WalLogStore.open(fs, 'wal', { ...SMALL, reuseSegments: 0 });
  assert.equal((await names(fs)).filter((n) => n.endsWith('.free')).length, 0);
  for (let i = 201; i <= 400; i += 4) await none.storeLogs(entries(i, i + 3, 'a', 200));
  await none.deleteRange(151, 350);
  assert.equal(none.stats().freeSegments, 0);
  assert.equal(none.stats().reusedSegments, 0);
  assert.equal((await names(fs)).filter((n) => n.endsWith('.free')).length, 0);
  await assert.rejects(WalLogStore.open(fs, 'wal2', { reuseSegments: -1 }), RangeError);
});

test('WalLogStore: deleting everything keeps the files too, and the next log starts in one of them', async () => {
  const disk = new SimDisk(new Simulation({ seed: 4 }), { tornWriteProbability: 0 });
  const fs = disk.fileSystem();
  const store = await WalLogStore.open(fs, 'wal', SMALL);
  for (let i = 1; i < 120; i += 4) await store.storeLogs(entries(i, i + 3, 'a', 200));
  await store.deleteRange(1, 120);
  assert.equal(store.stats().freeSegments, 2);
  await store.storeLogs(entries(500, 503, 'b', 200));
  assert.equal(store.stats().reusedSegments, 1);
  disk.crash();
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', SMALL);
  assert.deepEqual((await readAll(reopened)).map(text), entries(500, 503, 'b', 200).map(text));
});
