// WalLogStore on the simulated disk: reads and writes, group commit, segment
// rotation, head and tail deletion across restarts, bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '@shoal/kit';
import type { FileHandle, FileSystem } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { LogNotFoundError, LogStoreFailedError, RaftInvariantError } from '../../errors.js';
import { makeLog, type Log } from '../../log.js';
import { WalLogStore } from './wal-log-store.js';

function freshDisk(seed = 1): SimDisk {
  return new SimDisk(new Simulation({ seed }), { tornWriteProbability: 0 });
}

function entries(from: number, to: number, term = 1, size = 16): Log[] {
  const out: Log[] = [];
  for (let i = from; i <= to; i++) out.push(makeLog({ index: i, term, data: utf8(`e${i}:`.padEnd(size, 'x')), extensions: utf8(i % 3 === 0 ? 'ext' : '') }));
  return out;
}

async function assertLog(store: WalLogStore, first: number, last: number, term?: (i: number) => number): Promise<void> {
  assert.equal(await store.firstIndex(), first);
  assert.equal(await store.lastIndex(), last);
  for (let i = first; i <= last && last > 0; i++) {
    const log = await store.getLog(i);
    assert.equal(log.index, i);
    if (term !== undefined) assert.equal(log.term, term(i), `term of ${i}`);
  }
}

/** Counts datasyncs (and durable writes) made through it; reads wait while `readGate` is set. */
function countingFs(inner: FileSystem): { fs: FileSystem; syncs: () => number; holdReads: (gate: Promise<void> | undefined) => void } {
  let syncs = 0;
  let readGate: Promise<void> | undefined;
  const wrap = (h: FileHandle): FileHandle => ({
    read: async (p, n) => {
      await readGate;
      return h.read(p, n);
    },
    write: (p, d) => h.write(p, d),
    writev: (p, c) => h.writev(p, c),
    append: (d) => h.append(d),
    size: () => h.size(),
    truncate: (n) => h.truncate(n),
    sync: () => (syncs++, h.sync()),
    datasync: () => (syncs++, h.datasync()),
    writeDurably: (p, d) => (syncs++, h.writeDurably(p, d)),
    preallocate: (n) => h.preallocate(n),
    close: () => h.close(),
  });
  const fs: FileSystem = {
    open: async (p, o) => wrap(await inner.open(p, o)),
    readFile: (p) => inner.readFile(p),
    writeFile: (p, d, o) => inner.writeFile(p, d, o),
    rename: (a, b) => inner.rename(a, b),
    unlink: (p) => inner.unlink(p),
    mkdir: (p, o) => inner.mkdir(p, o),
    rmdir: (p, o) => inner.rmdir(p, o),
    list: (p) => inner.list(p),
    stat: (p) => inner.stat(p),
    syncDir: (p) => inner.syncDir(p),
  };
  return { fs, syncs: () => syncs, holdReads: (gate) => void (readGate = gate) };
}

test('WalLogStore stores, reads back and survives a crash', async () => {
  const disk = freshDisk();
  const store = await WalLogStore.open(disk.fileSystem(), 'raft/wal', { cacheEntries: 2 });
  assert.equal(store.isMonotonic(), true);
  await assertLog(store, 0, 0);
  await assert.rejects(store.getLog(1), LogNotFoundError);
  await store.storeLogs(entries(1, 10));
  await store.storeLog(entries(11, 11)[0]!);
  const old = await store.getLog(3); // beyond the cache: read from disk
  assert.deepEqual(old, entries(3, 3)[0]);
  disk.crash();
  const reopened = await WalLogStore.open(disk.fileSystem(), 'raft/wal');
  await assertLog(reopened, 1, 11);
  assert.deepEqual(await reopened.getLog(11), entries(11, 11)[0]);
  await assert.rejects(reopened.getLog(12), LogNotFoundError);
});

test('WalLogStore: concurrent storeLogs share datasyncs (group commit)', async () => {
  const disk = freshDisk();
  const { fs, syncs } = countingFs(disk.fileSystem());
  const store = await WalLogStore.open(fs, 'wal');
  await store.storeLogs(entries(1, 1)); // creates the first segment
  const before = syncs();
  const n = 20;
  await Promise.all(Array.from({ length: n }, (_, i) => store.storeLogs(entries(2 + i * 2, 3 + i * 2))));
  const used = syncs() - before;
  console.log(`group commit: ${n} concurrent storeLogs took ${used} datasyncs`);
  assert.ok(used >= 1 && used < n / 2, `${used} syncs for ${n} concurrent batches`);
  await assertLog(store, 1, 1 + 2 * n);
  // One at a time, each batch pays its own sync.
  const sequentialBefore = syncs();
  for (let i = 0; i < 5; i++) await store.storeLog(entries(2 + 2 * n + i, 2 + 2 * n + i)[0]!);
  assert.equal(syncs() - sequentialBefore, 5);
});

test('WalLogStore refuses gaps and holes', async () => {
  const store = await WalLogStore.open(freshDisk().fileSystem(), 'wal');
  await store.storeLogs(entries(5, 9));
  await assert.rejects(store.storeLogs(entries(11, 12)), RaftInvariantError);
  await assert.rejects(store.storeLogs([...entries(10, 10), ...entries(12, 12)]), RaftInvariantError);
  await assert.rejects(store.deleteRange(6, 7), RaftInvariantError);
  await assertLog(store, 5, 9);
});

test('WalLogStore rotates segments and head deletion frees whole ones, durably', async () => {
  const disk = freshDisk();
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 1024, cacheEntries: 4 });
  for (let i = 0; i < 30; i++) await store.storeLogs(entries(1 + i * 4, 4 + i * 4, 1, 40));
  const segments = store.stats().segments;
  assert.ok(segments > 5, `${segments} segments`);
  await store.deleteRange(1, 57);
  assert.ok(store.stats().segments < segments, 'whole segments below the head were removed');
  await assertLog(store, 58, 120);
  disk.crash();
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 1024 });
  await assertLog(reopened, 58, 120);
  await assert.rejects(reopened.getLog(57), LogNotFoundError);
  const listed = await disk.fileSystem().list('wal');
  assert.ok(!listed.some((name) => name.startsWith('00000000000000000001-')), `first segment gone: ${listed.join(' ')}`);
});

test('WalLogStore tail truncation rewinds, survives a crash, and appends again', async () => {
  const disk = freshDisk();
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 2048, cacheEntries: 3 });
  for (let i = 0; i < 10; i++) await store.storeLogs(entries(1 + i * 5, 5 + i * 5, 1, 30));
  await store.deleteRange(23, 50);
  await assertLog(store, 1, 22);
  await store.storeLogs(entries(23, 30, 2));
  await store.deleteRange(28, 30);
  await store.storeLogs(entries(28, 29, 3));
  const termOf = (i: number): number => (i <= 22 ? 1 : i <= 27 ? 2 : 3);
  await assertLog(store, 1, 29, termOf);
  disk.crash();
  const reopened = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 2048 });
  await assertLog(reopened, 1, 29, termOf);
  await reopened.storeLogs(entries(30, 31, 3));
  await assertLog(reopened, 1, 31);
});

test('WalLogStore deleting everything, then starting at a new index (snapshot restore)', async () => {
  const disk = freshDisk();
  const store = await WalLogStore.open(disk.fileSystem(), 'wal');
  await store.storeLogs(entries(1, 10));
  await store.deleteRange(1, 10);
  await assertLog(store, 0, 0);
  disk.crash();
  const empty = await WalLogStore.open(disk.fileSystem(), 'wal');
  await assertLog(empty, 0, 0);
  await empty.storeLogs(entries(500, 502));
  await empty.deleteRange(0, 1000);
  await empty.storeLogs(entries(3, 4)); // below the old head: the head marker moves back
  disk.crash();
  await assertLog(await WalLogStore.open(disk.fileSystem(), 'wal'), 3, 4);
});

test('WalLogStore refuses everything after a failed sync', async () => {
  const sim = new Simulation({ seed: 3 });
  let failSyncs = false;
  const disk = new SimDisk(sim, { fault: (op) => (failSyncs && op === 'datasync' ? 'EIO' : undefined) });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal');
  await store.storeLogs(entries(1, 3));
  failSyncs = true;
  await assert.rejects(store.storeLogs(entries(4, 4)), /EIO/);
  failSyncs = false;
  await assert.rejects(store.storeLogs(entries(4, 4)), LogStoreFailedError);
  assert.equal(await store.lastIndex(), 3, 'the failed batch is not visible');
});

test('WalLogStore cuts a group whose write failed and goes on once the disk has room again', async () => {
  const sim = new Simulation({ seed: 4 });
  let full = false;
  const disk = new SimDisk(sim, { tornWriteProbability: 0, fault: (op) => (full && op === 'writev' ? 'ENOSPC' : undefined) });
  const store = await WalLogStore.open(disk.fileSystem(), 'wal');
  await store.storeLogs(entries(1, 3));
  full = true;
  const failed = store.storeLogs(entries(4, 5, 1));
  const queuedBehind = store.storeLogs(entries(6, 6, 1));
  await assert.rejects(failed, /ENOSPC/);
  await assert.rejects(queuedBehind, /ENOSPC/, 'what was queued on the failed group is refused with it');
  assert.equal(await store.lastIndex(), 3, 'the failed group is not visible');
  full = false;
  await store.storeLogs(entries(4, 4, 2)); // the same index again, as raft retries it
  await assertLog(store, 1, 4, (i) => (i === 4 ? 2 : 1));
  disk.crash();
  await assertLog(await WalLogStore.open(disk.fileSystem(), 'wal'), 1, 4, (i) => (i === 4 ? 2 : 1));
});

test('WalLogStore memory is bounded by its cache and index, not the log size', async () => {
  const disk = freshDisk();
  const cacheBytes = 1024 * 1024;
  const store = await WalLogStore.open(disk.fileSystem(), 'wal', { segmentBytes: 4 * 1024 * 1024, cacheEntries: 100_000, cacheBytes });
  const entrySize = 4096;
  const count = 12_000; // ~48 MiB of log
  const payload = new Uint8Array(entrySize).fill(7);
  for (let i = 0; i < count; i += 64) {
    const batch: Log[] = [];
    for (let j = i; j < i + 64 && j < count; j++) batch.push(makeLog({ index: j + 1, term: 1, data: payload }));
    await store.storeLogs(batch);
  }
  const stats = store.stats();
  const logBytes = count * entrySize;
  console.log(`memory: log ${logBytes} B in ${stats.segments} segments, cache ${stats.cachedBytes} B (${stats.cachedEntries} entries), index ${stats.indexBytes} B`);
  assert.ok(stats.cachedBytes <= cacheBytes, 'cache within its byte budget');
  assert.ok(stats.cachedBytes + stats.indexBytes < logBytes / 20, 'store memory far below the log size');
  assert.deepEqual((await store.getLog(5)).data, payload, 'an old entry reads back from disk');
});

test('WalLogStore: a read racing a compaction that removes its segment answers LogNotFoundError', async () => {
  const { fs, holdReads } = countingFs(freshDisk().fileSystem());
  const store = await WalLogStore.open(fs, 'wal', { segmentBytes: 1024, cacheEntries: 1 });
  for (let i = 0; i < 20; i++) await store.storeLogs(entries(1 + i * 4, 4 + i * 4, 1, 40));
  // The read passes the bounds check, then waits at the disk while the compaction removes its file.
  let release!: () => void;
  holdReads(new Promise<void>((resolve) => (release = resolve)));
  const read = store.getLog(14);
  await store.deleteRange(1, 70);
  holdReads(undefined);
  release();
  const outcome = await read.then((l) => l.index, (e: unknown) => e);
  assert.ok(outcome instanceof LogNotFoundError, `read during compaction: ${String(outcome)}`);
  await assert.rejects(store.getLog(2), LogNotFoundError);
  assert.equal((await store.getLog(71)).index, 71);
});
