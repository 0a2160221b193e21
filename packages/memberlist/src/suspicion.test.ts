import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { remainingSuspicionTime, Suspicion } from './suspicion.js';
import { suspicionTimeout } from './util.js';

test('remainingSuspicionTime table (Go TestSuspicion_remainingSuspicionTime)', () => {
  const cases: [n: number, k: number, elapsed: number, min: number, max: number, expected: number][] = [
    [0, 3, 0, 2000, 30000, 30000],
    [1, 3, 2000, 2000, 30000, 14000],
    [2, 3, 3000, 2000, 30000, 4810],
    [3, 3, 4000, 2000, 30000, -2000],
    [4, 3, 5000, 2000, 30000, -3000],
    [5, 3, 10000, 2000, 30000, -8000],
  ];
  for (const [n, k, elapsed, min, max, expected] of cases) {
    assert.equal(remainingSuspicionTime(n, k, elapsed, min, max), expected, `n=${n} k=${k} elapsed=${elapsed}`);
  }
});

test('spec §11.4 examples: LAN n<=10 is 4 s..24 s; one confirmation gives 11.381 s, two give 4 s', () => {
  const min = suspicionTimeout(4, 10, 1000);
  const max = 6 * min;
  assert.equal(min, 4000);
  assert.equal(max, 24000);
  assert.equal(remainingSuspicionTime(1, 2, 0, min, max), 11381);
  assert.equal(remainingSuspicionTime(2, 2, 0, min, max), 4000);
  assert.equal(suspicionTimeout(4, 100, 1000), 8000);
  assert.equal(suspicionTimeout(6, 10, 5000), 30000);
  assert.equal(suspicionTimeout(3, 10, 1000), 3000);
});

/** Go TestSuspicion_Timer: confirmations from new peers pull the deadline in; repeats and the accuser do not count. */
test('suspicion timer fires at the confirmation-adjusted time', () => {
  const k = 3;
  const min = 500;
  const max = 2000;
  const cases: { n: number; confirms: [string, boolean][]; expected: number }[] = [
    { n: 0, confirms: [], expected: max },
    { n: 1, confirms: [['me', false], ['foo', true]], expected: 1250 },
    { n: 1, confirms: [['me', false], ['foo', true], ['foo', false], ['foo', false]], expected: 1250 },
    // Go's test says 810 ms with ±fudge; the formula gives floor(811.28) = 811.
    { n: 2, confirms: [['me', false], ['foo', true], ['bar', true]], expected: 811 },
    { n: 3, confirms: [['me', false], ['foo', true], ['bar', true], ['baz', true]], expected: min },
    { n: 3, confirms: [['me', false], ['foo', true], ['bar', true], ['baz', true], ['zoo', false]], expected: min },
  ];
  for (const [i, c] of cases.entries()) {
    const clock = new ManualClock();
    let firedAt = -1;
    let firedWith = -1;
    const s = new Suspicion(clock, 'me', k, min, max, (n) => {
      firedAt = clock.now();
      firedWith = n;
    });
    // Confirmations arrive 1 ms apart; the total must still be measured from the start.
    for (const [from, isNew] of c.confirms) {
      clock.advance(1);
      assert.equal(s.confirm(from), isNew, `case ${i}: confirm(${from})`);
    }
    clock.advance(max + 10);
    assert.equal(firedAt, c.expected, `case ${i}`);
    assert.equal(firedWith, c.n, `case ${i}`);
    // A late confirmation after firing must not fire again.
    firedAt = -1;
    s.confirm('late');
    clock.advance(max + 10);
    assert.equal(firedAt, -1, `case ${i}: fired twice`);
  }
});

test('k = 0 starts at min and ignores confirmations (Go TestSuspicion_Timer_ZeroK)', () => {
  const clock = new ManualClock();
  let fired = -1;
  const s = new Suspicion(clock, 'me', 0, 25, 30000, () => (fired = clock.now()));
  assert.equal(s.confirm('foo'), false);
  clock.advance(100);
  assert.equal(fired, 25);
});

test('an overdue confirmation fires on the next clock turn, not inside confirm (Go TestSuspicion_Timer_Immediate)', () => {
  const clock = new ManualClock();
  let fired = -1;
  const s = new Suspicion(clock, 'me', 1, 100, 30000, () => (fired = clock.now()));
  clock.advance(200);
  assert.equal(s.confirm('foo'), true);
  assert.equal(fired, -1, 'not synchronously');
  clock.advance(0);
  assert.equal(fired, 200);
  assert.equal(s.active, false);
});

test('cancel stops the timer', () => {
  const clock = new ManualClock();
  let fired = false;
  const s = new Suspicion(clock, 'me', 2, 100, 600, () => (fired = true));
  s.cancel();
  clock.advance(1000);
  assert.equal(fired, false);
  assert.equal(s.confirm('x'), true, 'still counts, but cannot fire');
  clock.advance(1000);
  assert.equal(fired, false);
});
