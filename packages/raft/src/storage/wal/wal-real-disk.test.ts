// WalLogStore on the real disk (kit's NodeFileSystem in a temporary
// directory): 200 MB of entries must not cost 200 MB of memory, and what was
// stored reads back after a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NodeFileSystem } from '@shoal/kit';
import { makeLog, type Log } from '../../log.js';
import { WalLogStore } from './wal-log-store.js';

const LOG_MB = Number(process.env['SHOAL_WAL_LOG_MB'] ?? 200);

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Heap plus array buffers (entry payloads live in the latter, freed a turn after a collection). */
async function usedBytes(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test(`WalLogStore on the real disk: ${LOG_MB} MB of log, memory far below it`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-wal-'));
  try {
    const fs = new NodeFileSystem(dir);
    const cacheBytes = 8 * 1024 * 1024;
    const store = await WalLogStore.open(fs, 'wal', { cacheBytes });
    const entryBytes = 4096;
    const count = Math.floor((LOG_MB * 1_000_000) / entryBytes);
    const before = await usedBytes();
    let peak = 0;
    for (let next = 1; next <= count; ) {
      const batch: Log[] = [];
      for (let k = 0; k < 256 && next <= count; k++, next++) {
        const data = new Uint8Array(entryBytes).fill(next & 0xff);
        batch.push(makeLog({ index: next, term: 1, data }));
      }
      await store.storeLogs(batch);
      if (next % 8192 < 256) peak = Math.max(peak, (await usedBytes()) - before);
    }
    const grown = Math.max(peak, (await usedBytes()) - before);
    const stats = store.stats();
    console.log(
      `real disk: ${count} entries (${((count * entryBytes) / 1e6).toFixed(0)} MB) in ${stats.segments} segments; memory grew ${(grown / 1e6).toFixed(1)} MB ` +
        `(cache ${(stats.cachedBytes / 1e6).toFixed(1)} MB, index ${(stats.indexBytes / 1e3).toFixed(0)} kB), ${stats.groupWrites} datasyncs`,
    );
    assert.ok(grown < (count * entryBytes) / 10, `memory grew ${grown} bytes for a ${count * entryBytes}-byte log`);
    assert.ok(stats.cachedBytes <= cacheBytes);
    await store.close();
    const reopened = await WalLogStore.open(fs, 'wal');
    assert.equal(await reopened.lastIndex(), count);
    for (const index of [1, 2, Math.floor(count / 2), count]) {
      const log = await reopened.getLog(index);
      assert.equal(log.data.length, entryBytes);
      assert.equal(log.data[0], index & 0xff, `entry ${index}`);
    }
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
