import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetUnreachableError } from '../errors.js';
import { decodeBatchRequest, encodeBatchAnswer } from './apply-batch.js';
import { BatchingInternalClient } from './batching-internal-client.js';
import { APPLY_BATCH_PATH, APPLY_PATH, READ_INDEX_PATH } from './internal-api.js';
import type { InternalClient } from './internal-client.js';

type Answer = { status: number; body: Uint8Array };
interface Sent {
  target: string;
  path: string;
  body: Uint8Array;
  settle: { resolve: (a: Answer) => void; reject: (e: unknown) => void };
}

/** An inner client whose requests the test answers by hand. */
function manual(): { inner: InternalClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const inner: InternalClient = {
    post: (target, path, body) => new Promise((resolve, reject) => sent.push({ target, path, body, settle: { resolve, reject } })),
  };
  return { inner, sent };
}

const b = (x: number): Uint8Array => new Uint8Array([x]);
const ok = (x: number): Answer => ({ status: 200, body: b(x) });
const opts = { timeoutMs: 1000 };
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('writes go alone while two are under way to a target; those that wait go together, in order, and each gets its own answer', async () => {
  const { inner, sent } = manual();
  const client = new BatchingInternalClient(inner);
  const first = client.post('l:1', APPLY_PATH, b(1), opts);
  const second = client.post('l:1', APPLY_PATH, b(2), opts);
  const waiting = [3, 4, 5].map((x) => client.post('l:1', APPLY_PATH, b(x), opts));
  const elsewhere = client.post('other:1', APPLY_PATH, b(9), opts);
  assert.deepEqual(sent.map((s) => [s.target, s.path, [...s.body]]), [['l:1', APPLY_PATH, [1]], ['l:1', APPLY_PATH, [2]], ['other:1', APPLY_PATH, [9]]]);
  sent[0]!.settle.resolve(ok(1));
  assert.deepEqual(await first, ok(1));
  await tick();
  assert.equal(sent[3]!.path, APPLY_BATCH_PATH);
  assert.deepEqual(decodeBatchRequest(sent[3]!.body)?.map((c) => [...c]), [[3], [4], [5]]);
  sent[3]!.settle.resolve({ status: 200, body: encodeBatchAnswer([ok(3), { status: 503, body: b(4) }, ok(5)]) });
  assert.deepEqual(await Promise.all(waiting), [ok(3), { status: 503, body: b(4) }, ok(5)]);
  sent[1]!.settle.resolve(ok(2));
  sent[2]!.settle.resolve(ok(9));
  assert.deepEqual(await Promise.all([second, elsewhere]), [ok(2), ok(9)]);
});

test("a batch's transport error is each write's; a 404 (no apply-batch there) sends them one by one; other paths pass through", async () => {
  const { inner, sent } = manual();
  const client = new BatchingInternalClient(inner);
  const busy = [client.post('l:1', APPLY_PATH, b(1), opts), client.post('l:1', APPLY_PATH, b(2), opts)];
  const failing = [client.post('l:1', APPLY_PATH, b(3), opts), client.post('l:1', APPLY_PATH, b(4), opts)];
  sent[0]!.settle.resolve(ok(1));
  await tick();
  sent[2]!.settle.reject(new TargetUnreachableError('l:1', new Error('refused')));
  for (const f of failing) await assert.rejects(f, TargetUnreachableError);
  const alone = client.post('l:1', APPLY_PATH, b(5), opts);
  assert.deepEqual([sent.at(-1)!.path, [...sent.at(-1)!.body]], [APPLY_PATH, [5]], 'one under way again: it goes at once');
  const old = [client.post('l:1', APPLY_PATH, b(6), opts), client.post('l:1', APPLY_PATH, b(7), opts)];
  sent[1]!.settle.resolve(ok(2));
  await Promise.all(busy);
  await tick();
  const batch = sent.at(-1)!;
  assert.equal(batch.path, APPLY_BATCH_PATH);
  batch.settle.resolve({ status: 404, body: b(0) });
  await tick();
  const singles = sent.slice(-2);
  assert.deepEqual(singles.map((s) => [s.path, [...s.body]]), [[APPLY_PATH, [6]], [APPLY_PATH, [7]]]);
  singles[0]!.settle.resolve(ok(6));
  singles[1]!.settle.resolve(ok(7));
  assert.deepEqual(await Promise.all(old), [ok(6), ok(7)]);
  sent.find((s) => s.body[0] === 5)!.settle.resolve(ok(5));
  assert.deepEqual(await alone, ok(5));
  const read = client.post('l:1', READ_INDEX_PATH, b(0), opts);
  assert.equal(sent.at(-1)!.path, READ_INDEX_PATH);
  sent.at(-1)!.settle.resolve(ok(0));
  assert.deepEqual(await read, ok(0));
});

test('a waiting write whose signal aborts leaves the queue, unsent; a sent one stops waiting', async () => {
  const { inner, sent } = manual();
  const client = new BatchingInternalClient(inner);
  const busy = [client.post('l:1', APPLY_PATH, b(1), opts), client.post('l:1', APPLY_PATH, b(2), opts)];
  const leaving = new AbortController();
  const left = client.post('l:1', APPLY_PATH, b(3), { ...opts, signal: leaving.signal });
  const staying = client.post('l:1', APPLY_PATH, b(4), opts);
  const late = new AbortController();
  const lateWrite = client.post('l:1', APPLY_PATH, b(5), { ...opts, signal: late.signal });
  leaving.abort(new Error('gone'));
  await assert.rejects(left, /gone/);
  sent[0]!.settle.resolve(ok(1));
  await tick();
  const batch = sent.at(-1)!;
  assert.deepEqual(decodeBatchRequest(batch.body)?.map((c) => [...c]), [[4], [5]], 'the aborted write was not sent');
  late.abort(new Error('late'));
  await assert.rejects(lateWrite, /late/);
  batch.settle.resolve({ status: 200, body: encodeBatchAnswer([ok(4), ok(5)]) });
  assert.deepEqual(await staying, ok(4));
  sent[1]!.settle.resolve(ok(2));
  await Promise.all(busy);
});
