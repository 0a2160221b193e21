// WalLogStore on the real disk under SIGKILL, writing into reused segment
// files: a child process appends and compacts (testing/wal-writer-process.ts)
// until it has reused freed files, is killed at a point of the test's
// choosing, and the log it leaves must hold every entry it acknowledged, each
// as written. Three rounds on one directory, each child continuing the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NodeFileSystem } from '@shoal/kit';
import { WAL_WRITER_KEEP, WAL_WRITER_SEGMENT_BYTES, walWriterData } from '../../testing/wal-writer-data.js';
import { WalLogStore } from './wal-log-store.js';

const CHILD = fileURLToPath(new URL('../../testing/wal-writer-process.ts', import.meta.url));
const ROUNDS = 3;

/** Runs the writer until it has reused `reused` files and acknowledged `extra` more rounds, then kills it; the last index it acknowledged. */
async function runAndKill(dir: string, reused: number, extra: number): Promise<{ last: number; reused: number }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let seen = { last: 0, reused: 0 };
  let after = -1;
  for await (const line of createInterface({ input: child.stdout })) {
    seen = JSON.parse(line) as typeof seen;
    if (after < 0 && seen.reused >= reused) after = 0;
    if (after >= 0 && after++ >= extra) {
      child.kill('SIGKILL');
      break;
    }
  }
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL', `the writer ended by itself (code ${code}) before reusing ${reused} files`);
  return seen;
}

test(`WalLogStore on the real disk: SIGKILLed while writing into reused segment files, it keeps every acknowledged entry (${ROUNDS} rounds)`, { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-wal-kill-'));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await runAndKill(dir, 2, 7 * round);
      const store = await WalLogStore.open(new NodeFileSystem(dir), 'wal', { segmentBytes: WAL_WRITER_SEGMENT_BYTES });
      const first = await store.firstIndex();
      const last = await store.lastIndex();
      assert.ok(last >= acked.last, `round ${round}: last index ${last}, the writer had acknowledged ${acked.last}`);
      assert.ok(last - first >= WAL_WRITER_KEEP - 1, `round ${round}: [${first}, ${last}] keeps fewer than ${WAL_WRITER_KEEP}`);
      for (let i = first; i <= last; i++) assert.deepEqual((await store.getLog(i)).data, walWriterData(i), `round ${round}: entry ${i}`);
      console.log(`wal kill round ${round}: killed after acknowledging ${acked.last} with ${acked.reused} files reused; reopened [${first}, ${last}], ${store.stats().freeSegments} free, cut ${store.stats().cutBytes} B`);
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
