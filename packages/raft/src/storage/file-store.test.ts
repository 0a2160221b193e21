// FileStore on the simulated disk: durability across crashes, torn tails and
// rewrites (FileSnapshotStore's tests are in file-snapshot.test.ts).
import { utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimDisk, Simulation } from '@shoal/sim';
import { FileStore } from './file-store.js';
import { KeyNotFoundError, LogNotFoundError } from '../errors.js';
import { makeLog } from '../log.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 4242);

function simDisk(seed: number, tornWriteProbability = 0.5): { sim: Simulation; disk: SimDisk } {
  const sim = new Simulation({ seed });
  return { sim, disk: new SimDisk(sim, { tornWriteProbability }) };
}

test('FileStore keeps logs and stable keys across a crash', async () => {
  const { disk } = simDisk(SEED);
  const s = await FileStore.open(disk.fileSystem(), 'raft/store.log');
  await s.storeLogs([1, 2, 3].map((i) => makeLog({ index: i, term: 1, data: utf8(`e${i}`) })));
  await s.setUint64('CurrentTerm', 5);
  await s.set('LastVoteCand', utf8('me'));
  await s.deleteRange(1, 1);
  disk.crash();
  const r = await FileStore.open(disk.fileSystem(), 'raft/store.log');
  assert.equal(await r.firstIndex(), 2);
  assert.equal(await r.lastIndex(), 3);
  assert.deepEqual((await r.getLog(3)).data, utf8('e3'));
  await assert.rejects(r.getLog(1), LogNotFoundError);
  assert.equal(await r.getUint64('CurrentTerm'), 5);
  assert.deepEqual(await r.get('LastVoteCand'), utf8('me'));
  await assert.rejects(r.get('nope'), KeyNotFoundError);
});

test('FileStore: a torn tail is cut at open; everything acknowledged survives (many seeds)', async () => {
  for (let seed = SEED; seed < SEED + 40; seed++) {
    const { disk } = simDisk(seed, 1);
    const fs = disk.fileSystem();
    const s = await FileStore.open(fs, 'store.log');
    const acked: number[] = [];
    for (let i = 1; i <= 20; i++) {
      await s.storeLog(makeLog({ index: i, term: 1, data: utf8(`v${i}`) }));
      acked.push(i);
    }
    // An append that reaches the page cache but not the platter: torn by the crash.
    const handle = await fs.open('store.log');
    await handle.append(new Uint8Array([0, 0, 0, 200, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    disk.crash();
    const r = await FileStore.open(disk.fileSystem(), 'store.log');
    for (const i of acked) assert.deepEqual((await r.getLog(i)).data, utf8(`v${i}`), `seed ${seed}: entry ${i}`);
    assert.equal(await r.lastIndex(), 20, `seed ${seed}`);
    // The store keeps working after the cut.
    await r.storeLog(makeLog({ index: 21, term: 2 }));
    disk.crash();
    const again = await FileStore.open(disk.fileSystem(), 'store.log');
    assert.equal(await again.lastIndex(), 21, `seed ${seed}`);
  }
});

test('FileStore rewrites itself when dead records dominate, without losing anything', async () => {
  const { disk } = simDisk(SEED + 1);
  const s = await FileStore.open(disk.fileSystem(), 'store.log');
  const big = new Uint8Array(4096).fill(7);
  for (let i = 1; i <= 300; i++) {
    await s.storeLog(makeLog({ index: i, term: 1, data: big }));
    if (i > 10) await s.deleteRange(i - 10, i - 10);
  }
  assert.ok(s.fileBytes < 300 * 4096, `file is ${s.fileBytes} bytes: it was rewritten`);
  await s.setUint64('CurrentTerm', 9);
  disk.crash();
  const r = await FileStore.open(disk.fileSystem(), 'store.log');
  assert.equal(await r.firstIndex(), 291);
  assert.equal(await r.lastIndex(), 300);
  assert.equal(await r.getUint64('CurrentTerm'), 9);
});
