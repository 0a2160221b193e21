import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { SettleSync } from './join-settle.js';

function setup(delayMs = 300) {
  const clock = new ManualClock();
  const syncs: number[] = [];
  const settle = new SettleSync(
    delayMs,
    () => clock.now(),
    (ms, fn) => void clock.after(ms, fn),
    () => syncs.push(clock.now()),
  );
  /** Members appear at these times (ms from now); then time runs to `untilMs`. */
  const run = (appearAt: number[], untilMs: number): void => {
    for (const at of appearAt) {
      clock.advance(at - clock.now());
      settle.grew();
    }
    clock.advance(untilMs - clock.now());
  };
  return { clock, settle, syncs, run };
}

test('one exchange, delayMs after the last member appeared', () => {
  const s = setup();
  s.settle.open(10_000);
  s.run([0, 100, 250], 2_000);
  assert.deepEqual(s.syncs, [550]);
});

test('no exchange while a burst keeps growing, one when it stops, another after a later wave', () => {
  const s = setup();
  s.settle.open(10_000);
  s.run([0, 100, 200, 300, 400, 500, 600, 700, 800], 1_500);
  assert.deepEqual(s.syncs, [1_100]);
  s.run([2_000, 2_200], 4_000);
  assert.deepEqual(s.syncs, [1_100, 2_500]);
});

test('nothing before join() opens the window, after it closes, or when turned off', () => {
  const closed = setup();
  closed.run([0, 100], 2_000);
  assert.deepEqual(closed.syncs, []);
  closed.settle.open(1_000); // open until 3 000
  closed.run([2_500, 3_500], 6_000);
  assert.deepEqual(closed.syncs, [2_800], 'the member at 3 500 came after the window');
  const off = setup(0);
  off.settle.open(10_000);
  off.run([0, 100], 2_000);
  assert.deepEqual(off.syncs, []);
});
