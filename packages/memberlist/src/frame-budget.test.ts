import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics, silentLogger } from '@shoal/kit';
import { FrameBudget } from './frame-budget.js';
import { WireError, WireErrorCode } from './wire/errors.js';
import { encodeUserMsgStream, StreamDecoder } from './wire/stream.js';

const isTooLarge = (e: unknown) => e instanceof WireError && e.code === WireErrorCode.TooLarge;

test('the largest partial messages are dropped to make room, never for a larger one', () => {
  const metrics = new InMemoryMetrics();
  const budget = new FrameBudget(100, metrics, silentLogger);
  const dropped: string[] = [];
  const a = budget.open('a', () => dropped.push('a'));
  const b = budget.open('b', () => dropped.push('b'));
  const c = budget.open('c', () => dropped.push('c'));
  a.hold(60);
  b.hold(30);
  assert.equal(budget.used, 90);
  c.hold(20); // 110 > 100: a (the largest) goes
  assert.deepEqual(dropped, ['a']);
  assert.equal(budget.used, 50);
  assert.throws(() => a.hold(61), isTooLarge, 'a dropped allowance cannot hold again');
  // c wants 80: dropping b (30) would make room, and b is smaller than 80: c is refused instead.
  assert.throws(() => c.hold(80), isTooLarge);
  assert.deepEqual(dropped, ['a']);
  assert.equal(budget.used, 30);
  b.release();
  b.release();
  assert.equal(budget.used, 0);
  assert.equal(metrics.counter('memberlist.tcp.frame_budget_dropped'), 2);
});

test('a stream decoder asks before it buffers, and a claim over the budget is refused before any buffering', () => {
  const budget = new FrameBudget(1 << 20, new InMemoryMetrics(), silentLogger);
  const bytes = encodeUserMsgStream(new Uint8Array(300_000).fill(7));
  const d = new StreamDecoder({ readLabelHeader: false, allowance: budget.open('x', () => {}) });
  assert.equal(d.push(bytes.slice(0, 20)), 'need-more');
  assert.equal(d.messageType, 0x08);
  assert.equal(d.push(bytes.slice(20, 290_000)), 'need-more');
  // What is held is what arrived (chunks kept as they came), not the claim nor a power of two past it.
  assert.equal(budget.used, 256 + 289_980);
  const r = d.push(bytes.slice(290_000));
  assert.notEqual(r, 'need-more');
  assert.equal(budget.used, 0, 'a complete message gives its bytes back');

  const claim = encodeUserMsgStream(new Uint8Array((1 << 20) + 1)).subarray(0, 64);
  const big = new StreamDecoder({ readLabelHeader: false, allowance: budget.open('y', () => {}) });
  assert.throws(() => big.push(claim), isTooLarge);
  assert.equal(budget.used, 0);
});

test('a stream decoder that loses its allowance fails on its next chunk', () => {
  const budget = new FrameBudget(1 << 20, new InMemoryMetrics(), silentLogger);
  let closed = 0;
  const big = new StreamDecoder({ readLabelHeader: false, allowance: budget.open('big', () => closed++) });
  const bigBytes = encodeUserMsgStream(new Uint8Array(900_000));
  assert.equal(big.push(bigBytes.slice(0, 20)), 'need-more');
  assert.equal(big.push(bigBytes.slice(20, 800_000)), 'need-more');
  assert.equal(budget.used, 256 + 799_980);
  const small = new StreamDecoder({ readLabelHeader: false, allowance: budget.open('small', () => {}) });
  const smallBytes = encodeUserMsgStream(new Uint8Array(200_000));
  assert.notEqual(small.push(smallBytes), 'need-more', 'the small message gets through');
  assert.equal(closed, 1, 'by dropping the large stalled one');
  assert.throws(() => big.push(bigBytes.slice(800_000)), isTooLarge);
});
