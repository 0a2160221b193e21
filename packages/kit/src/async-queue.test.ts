import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncQueue, QueueClosedError } from './async-queue.js';

test('FIFO order, and shift waits for a push', async () => {
  const q = new AsyncQueue<number>();
  const first = q.shift();
  q.tryPush(1);
  q.tryPush(2);
  assert.equal(await first, 1);
  assert.equal(await q.shift(), 2);
});

test('push waits while full, then enters in order', async () => {
  const q = new AsyncQueue<string>(1);
  await q.push('a');
  let bDone = false;
  const b = q.push('b').then(() => (bDone = true));
  const c = q.push('c');
  await Promise.resolve();
  assert.equal(bDone, false);
  assert.equal(q.tryPush('x'), false);
  assert.equal(await q.shift(), 'a');
  await b;
  assert.equal(await q.shift(), 'b');
  await c;
  assert.equal(await q.shift(), 'c');
  assert.equal(q.size, 0);
});

test('close drains, then rejects; iteration ends', async () => {
  const q = new AsyncQueue<number>(10);
  for (const n of [1, 2, 3]) q.tryPush(n);
  q.close();
  assert.throws(() => q.tryPush(4), QueueClosedError);
  const seen: number[] = [];
  for await (const n of q) seen.push(n);
  assert.deepEqual(seen, [1, 2, 3]);
  await assert.rejects(q.shift(), QueueClosedError);
});

test('close rejects waiting consumers and producers', async () => {
  const q = new AsyncQueue<number>(1);
  const taker = q.shift();
  q.close();
  await assert.rejects(taker, QueueClosedError);
  const q2 = new AsyncQueue<number>(1);
  q2.tryPush(1);
  const pusher = q2.push(2);
  q2.close();
  await assert.rejects(pusher, QueueClosedError);
});

test('abort removes a waiter', async () => {
  const q = new AsyncQueue<number>(1);
  const ac = new AbortController();
  const taker = q.shift(ac.signal);
  ac.abort(new Error('gave up'));
  await assert.rejects(taker, /gave up/);
  q.tryPush(5);
  assert.equal(q.size, 1, 'the aborted taker did not swallow the item');
});

test('many items through a small queue keep order', async () => {
  const q = new AsyncQueue<number>(3);
  const producer = (async () => {
    for (let i = 0; i < 5000; i++) await q.push(i);
    q.close();
  })();
  let expected = 0;
  for await (const n of q) assert.equal(n, expected++);
  await producer;
  assert.equal(expected, 5000);
});
