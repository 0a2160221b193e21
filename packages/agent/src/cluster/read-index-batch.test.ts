import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadIndexBatch } from './read-index-batch.js';

/** Rounds the test settles by hand: each answers the number of the round. */
function manualRounds(): { batch: ReadIndexBatch<number>; started: number[]; finish(n: number, error?: Error): void } {
  const pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  const batch = new ReadIndexBatch<number>(
    () =>
      new Promise<number>((resolve, reject) => {
        const n = started.length + 1;
        started.push(n);
        pending.set(n, { resolve, reject });
      }),
  );
  return {
    batch,
    started,
    finish: (n, error) => {
      const p = pending.get(n)!;
      if (error) p.reject(error);
      else p.resolve(n);
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a read with no round running starts one at once; reads during a round share the next, which starts when it settles', async () => {
  const { batch, started, finish } = manualRounds();
  const first = batch.read();
  assert.deepEqual(started, [1]);
  const joined = [batch.read(), batch.read(), batch.read()];
  await tick();
  assert.deepEqual(started, [1], 'no round begins while one runs');
  finish(1);
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(started, [1, 2], 'the waiting reads start the next round');
  const later = batch.read();
  finish(2);
  assert.deepEqual(await Promise.all(joined), [2, 2, 2], 'never the round that was under way when they arrived');
  await tick();
  assert.deepEqual(started, [1, 2, 3]);
  finish(3);
  assert.equal(await later, 3);
  await tick();
  assert.deepEqual(started, [1, 2, 3], 'no round without readers');
});

test('a failed round fails its readers only; the next round runs', async () => {
  const { batch, started, finish } = manualRounds();
  const first = batch.read();
  const second = batch.read();
  finish(1, new Error('no leader'));
  await assert.rejects(first, /no leader/);
  await tick();
  finish(2);
  assert.equal(await second, 2);
  assert.deepEqual(started, [1, 2]);
});

test('an aborted reader stops waiting; the round goes on for the others', async () => {
  const { batch, finish } = manualRounds();
  const controller = new AbortController();
  const leaving = batch.read(controller.signal);
  const staying = batch.read();
  const gone = new AbortController();
  gone.abort(new Error('already gone'));
  await assert.rejects(batch.read(gone.signal), /already gone/);
  controller.abort(new Error('client went away'));
  await assert.rejects(leaving, /client went away/);
  finish(1);
  await tick();
  finish(2);
  assert.equal(await staying, 2);
});

test('a round that throws at once fails its readers, and the batch goes on', async () => {
  let calls = 0;
  const batch = new ReadIndexBatch<number>(() => {
    calls++;
    if (calls === 1) throw new Error('thrown');
    return Promise.resolve(calls);
  });
  await assert.rejects(batch.read(), /thrown/);
  await tick();
  assert.equal(await batch.read(), 2);
});
