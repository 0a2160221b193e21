/**
 * A process for wal-kill.test.ts to SIGKILL: appends to a WalLogStore on the
 * real disk (the directory in argv[2]), a few concurrent storeLogs at a time,
 * compacting every few rounds so that it writes into reused segment files,
 * and prints a JSON line after each acknowledged round. It continues the log
 * it finds, and stops by itself after 30 s or 20,000 rounds.
 */
import { NodeFileSystem, realClock } from '@shoal/kit';
import { makeLog, type Log } from '../log.js';
import { WalLogStore } from '../storage/wal/wal-log-store.js';
import { WAL_WRITER_KEEP, WAL_WRITER_SEGMENT_BYTES, walWriterData } from './wal-writer-data.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: wal-writer-process.ts DIR');
const store = await WalLogStore.open(new NodeFileSystem(dir), 'wal', { segmentBytes: WAL_WRITER_SEGMENT_BYTES });
let next = (await store.lastIndex()) + 1;
const until = realClock.now() + 30_000;
for (let round = 0; round < 20_000 && realClock.now() < until; round++) {
  const calls: Promise<void>[] = [];
  for (let c = 0; c < 1 + (round % 3); c++) {
    const logs: Log[] = [];
    for (let k = 0; k < 1 + ((round * 5 + c) % 8); k++, next++) logs.push(makeLog({ index: next, term: 1, data: walWriterData(next) }));
    calls.push(store.storeLogs(logs));
  }
  if (round % 10 === 9) calls.push(store.deleteRange(await store.firstIndex(), next - 1 - WAL_WRITER_KEEP));
  await Promise.all(calls);
  const { reusedSegments, freeSegments } = store.stats();
  process.stdout.write(`${JSON.stringify({ last: next - 1, reused: reusedSegments, free: freeSegments })}\n`);
}
await store.close();
