// WalLogStore's preallocation on the simulated disk: zeros ahead of the log
// are written once per preallocateBytes, never past the segment size; a clean
// reopen keeps them without calling them a torn tail; anything but zeros there
// is cut; and a failed zero-fill does not fail the batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, utf8 } from '@shoal/kit';
import type { LogEntry } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { makeLog, type Log } from '../../log.js';
import { WalLogStore } from './wal-log-store.js';

const SEGMENT = 'wal/00000000000000000001-0000000000000001.wal';

function entries(from: number, to: number, size = 40): Log[] {
  const out: Log[] = [];
  for (let i = from; i <= to; i++) out.push(makeLog({ index: i, term: 1, data: utf8(`e${i}:`.padEnd(size, 'x')) }));
  return out;
}

async function readAll(store: WalLogStore): Promise<number[]> {
  const out: number[] = [];
  const last = await store.lastIndex();
  for (let i = await store.firstIndex(); i <= last && last > 0; i++) out.push((await store.getLog(i)).index);
  return out;
}

function warningsInto(list: LogEntry[]) {
  return createLogger((e) => list.push(e), 'warn');
}

test('WalLogStore preallocates ahead of the log, once per preallocateBytes, within the segment size', async () => {
  const disk = new SimDisk(new Simulation({ seed: 1 }), { tornWriteProbability: 0 });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 64 * 1024, preallocateBytes: 8 * 1024 });
  await store.storeLogs(entries(1, 10));
  const afterFirst = (await disk.fileSystem().stat(SEGMENT))!.size;
  assert.ok(store.stats().preallocatedBytes > 7 * 1024, `zeros ahead: ${store.stats().preallocatedBytes}`);
  await store.storeLogs(entries(11, 20));
  assert.equal((await disk.fileSystem().stat(SEGMENT))!.size, afterFirst, 'a write into the zeros does not grow the file');
  for (let i = 21; i < 1500; i += 10) await store.storeLogs(entries(i, i + 9));
  const sizes = await Promise.all((await disk.fileSystem().list('wal')).filter((n) => n.endsWith('.wal')).map(async (n) => (await disk.fileSystem().stat(`wal/${n}`))!.size));
  assert.ok(sizes.length > 1, 'rotated');
  // A segment rotates once it reaches 64 KiB; the zeros never take it further than the batch that crossed.
  for (const size of sizes) assert.ok(size <= 64 * 1024 + 1024, `segment of ${size} bytes`);
  await store.close();
});

test('WalLogStore: a clean reopen keeps the zeros ahead and cuts nothing; appends then land in them', async () => {
  const disk = new SimDisk(new Simulation({ seed: 2 }), { tornWriteProbability: 0 });
  const first = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 32 * 1024 });
  await first.storeLogs(entries(1, 30));
  await first.close();
  disk.crash();
  const fileSize = (await disk.fileSystem().stat(SEGMENT))!.size;
  const warnings: LogEntry[] = [];
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 32 * 1024, logger: warningsInto(warnings) });
  assert.equal(reopened.stats().cutBytes, 0);
  assert.deepEqual(warnings, []);
  assert.ok(reopened.stats().preallocatedBytes > 0);
  await reopened.storeLogs(entries(31, 40));
  assert.equal((await disk.fileSystem().stat(SEGMENT))!.size, fileSize, 'the append went into the zeros');
  disk.crash();
  const again = await WalLogStore.open(disk.fileSystem(), 'wal');
  assert.deepEqual(await readAll(again), Array.from({ length: 40 }, (_, i) => i + 1));
});

test('WalLogStore: bytes other than zeros after the last batch are cut, so no stale frame can follow a later batch', async () => {
  const disk = new SimDisk(new Simulation({ seed: 3 }), { tornWriteProbability: 0 });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 16 * 1024 });
  await store.storeLogs(entries(1, 5));
  const end = (await disk.fileSystem().readFile(SEGMENT)).findLastIndex((b) => b !== 0) + 1;
  await store.close();
  // A frame-looking stray byte some way into the zeros, as a torn write's later page would leave.
  const handle = await disk.fileSystem().open(SEGMENT);
  await handle.write(end + 700, new Uint8Array([1, 0, 0, 0]));
  await handle.sync();
  const warnings: LogEntry[] = [];
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 16 * 1024, logger: warningsInto(warnings) });
  assert.ok(reopened.stats().cutBytes > 0);
  assert.ok(warnings.some((w) => w.msg.includes('torn tail')), JSON.stringify(warnings));
  assert.deepEqual(await readAll(reopened), [1, 2, 3, 4, 5]);
  assert.equal((await disk.fileSystem().readFile(SEGMENT)).length, end, 'cut back to the end of the last batch');
});

test('WalLogStore: a zero-fill that fails (disk nearly full) does not fail the batch', async () => {
  const disk = new SimDisk(new Simulation({ seed: 4 }), { tornWriteProbability: 0, fault: (op) => (op === 'preallocate' ? 'ENOSPC' : undefined) });
  const warnings: LogEntry[] = [];
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 16 * 1024, logger: warningsInto(warnings) });
  await store.storeLogs(entries(1, 5));
  await store.storeLogs(entries(6, 9));
  assert.equal(store.stats().preallocatedBytes, 0);
  assert.ok(warnings.some((w) => w.msg.includes('zeros ahead')), JSON.stringify(warnings));
  disk.crash();
  assert.deepEqual(await readAll(await WalLogStore.open(disk.fileSystem(), 'wal')), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('WalLogStore with preallocateBytes 0 writes no zeros', async () => {
  const disk = new SimDisk(new Simulation({ seed: 5 }), { tornWriteProbability: 0 });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 0 });
  await store.storeLogs(entries(1, 5));
  const bytes = await disk.fileSystem().readFile(SEGMENT);
  assert.equal(bytes.length, bytes.findLastIndex((b) => b !== 0) + 1);
  assert.equal(store.stats().preallocatedBytes, 0);
  await assert.rejects(WalLogStore.open(disk.fileSystem(), 'wal2', { preallocateBytes: -1 }), RangeError);
});

test('WalLogStore: a group too large to gain from zeros just extends the file', async () => {
  const disk = new SimDisk(new Simulation({ seed: 6 }), { tornWriteProbability: 0 });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { preallocateBytes: 64 * 1024 });
  await store.storeLogs(entries(1, 40, 4096));
  const bytes = await disk.fileSystem().readFile(SEGMENT);
  assert.equal(bytes.length, bytes.findLastIndex((b) => b !== 0) + 1, 'no zeros after a 160 KiB group');
  await store.storeLogs(entries(41, 42));
  assert.ok(store.stats().preallocatedBytes > 60 * 1024, 'a small group after it preallocates again');
  disk.crash();
  assert.equal((await readAll(await WalLogStore.open(disk.fileSystem(), 'wal'))).length, 42);
});
