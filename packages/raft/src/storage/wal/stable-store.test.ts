// FileStableStore on the simulated disk: defaults, durability across crashes
// at random disk operations, and typed errors for damaged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, utf8 } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { DecodeError, LogCorruptionError } from '../../errors.js';
import { KEY_CURRENT_TERM, KEY_LAST_VOTE_CAND, KEY_LAST_VOTE_TERM } from '../stores.js';
import { FileStableStore, decodeStable, encodeStable } from './stable-store.js';

const BASE_SEED = Number(process.env['SHOAL_SEED'] ?? 9300);

test('FileStableStore: unset keys read as empty and 0; values survive a crash', async () => {
  const disk = new SimDisk(new Simulation({ seed: BASE_SEED }));
  const store = await FileStableStore.open(disk.fileSystem(), 'raft/stable');
  assert.deepEqual(await store.get(KEY_LAST_VOTE_CAND), new Uint8Array(0));
  assert.equal(await store.getUint64(KEY_CURRENT_TERM), 0);
  await store.setUint64(KEY_CURRENT_TERM, 2 ** 40 + 7);
  await store.setUint64(KEY_LAST_VOTE_TERM, 3);
  await store.set(KEY_LAST_VOTE_CAND, utf8('node-2'));
  await store.set('ümlaut', new Uint8Array([0, 255]));
  disk.crash();
  const reopened = await FileStableStore.open(disk.fileSystem(), 'raft/stable');
  assert.equal(await reopened.getUint64(KEY_CURRENT_TERM), 2 ** 40 + 7);
  assert.equal(await reopened.getUint64(KEY_LAST_VOTE_TERM), 3);
  assert.deepEqual(await reopened.get(KEY_LAST_VOTE_CAND), utf8('node-2'));
  assert.deepEqual(await reopened.get('ümlaut'), new Uint8Array([0, 255]));
  await assert.rejects(reopened.getUint64(KEY_LAST_VOTE_CAND), DecodeError);
  await assert.rejects(reopened.setUint64(KEY_CURRENT_TERM, -1), RangeError);
});

test('FileStableStore: a crash at a random disk operation keeps the last acknowledged term (200 seeds)', async () => {
  for (let seed = BASE_SEED; seed < BASE_SEED + 200; seed++) {
    const random = seededRandom(seed);
    let ops = 0;
    let crashed = false;
    const crashAt = 1 + random.int(80);
    const disk: SimDisk = new SimDisk(new Simulation({ seed }), {
      crashKeeps: random.chance(0.5) ? 'random-prefix' : 'none',
      tornWriteProbability: 1,
      fault: () => {
        if (crashed || ++ops < crashAt) return undefined;
        crashed = true;
        disk.crash();
        return 'EIO';
      },
    });
    let acked = 0;
    let attempted = 0;
    try {
      const store = await FileStableStore.open(disk.fileSystem(), 'stable');
      for (let term = 1; !crashed; term++) {
        attempted = term;
        await store.setUint64(KEY_CURRENT_TERM, term);
        acked = term;
      }
    } catch (err) {
      if (!crashed) throw err;
    }
    const reopened = await FileStableStore.open(disk.fileSystem(), 'stable');
    const term = await reopened.getUint64(KEY_CURRENT_TERM);
    assert.ok(term === acked || term === attempted, `seed ${seed}: term ${term}, acknowledged ${acked}, attempted ${attempted}`);
  }
});

test('FileStableStore: damaged and garbage files are LogCorruptionErrors', async () => {
  const good = encodeStable(new Map([[KEY_CURRENT_TERM, new Uint8Array(8)], [KEY_LAST_VOTE_CAND, utf8('n1')]]));
  assert.ok(decodeStable(good) instanceof Map);
  const random = seededRandom(BASE_SEED);
  for (let trial = 0; trial < 200; trial++) {
    const bytes = good.slice();
    const at = random.int(bytes.length);
    if (trial % 2 === 0) bytes[at] = bytes[at]! ^ (1 << random.int(8));
    const input = trial % 2 === 0 ? bytes : Uint8Array.from({ length: random.int(64) }, () => random.int(256));
    const decoded = decodeStable(input);
    assert.ok(!(decoded instanceof Map), `trial ${trial}: damage not detected`);
  }
  const disk = new SimDisk(new Simulation({ seed: BASE_SEED }));
  const fs = disk.fileSystem();
  await fs.mkdir('stable');
  await fs.writeFile('stable/stable', good.subarray(0, good.length - 1));
  await assert.rejects(FileStableStore.open(fs, 'stable'), (err: unknown) => err instanceof LogCorruptionError && err.file === 'stable/stable');
});
