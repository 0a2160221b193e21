import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, ManualClock } from '@shoal/kit';
import { Scheduler } from './scheduler.js';

function setup() {
  const clock = new ManualClock();
  const scheduler = new Scheduler(clock, createRandom(5), (fn) => fn());
  return { clock, scheduler };
}

test('whileBusy ticks on its cadence while busy, stops when idle, and wake resumes on the same cadence', () => {
  const { clock, scheduler } = setup();
  const runs: number[] = [];
  let work = 3;
  const wake = scheduler.whileBusy(100, () => work > 0, () => {
    runs.push(clock.now());
    if (work > 0) work--;
  });
  clock.advance(1_000);
  // The first run after the stagger, then every 100 ms until the work ran out, then nothing.
  assert.equal(runs.length, 3);
  const origin = runs[0]!;
  assert.ok(origin >= 0 && origin < 100);
  assert.deepEqual(runs, [origin, origin + 100, origin + 200]);
  assert.equal(clock.pendingCount, 0, 'no timer left while idle');

  // New work at an arbitrary moment runs at the next tick of the original cadence.
  clock.advance(1_234.5 - clock.now());
  work = 2;
  wake();
  wake(); // a second wake while starting changes nothing
  clock.advance(1_000);
  const next = origin + Math.ceil((1_234.5 - origin) / 100) * 100;
  assert.deepEqual(runs.slice(3), [next, next + 100]);
  assert.equal(clock.pendingCount, 0);
});

test('whileBusy keeps ticking while always busy, and stop() ends it', () => {
  const { clock, scheduler } = setup();
  let runs = 0;
  const wake = scheduler.whileBusy(100, () => true, () => runs++);
  clock.advance(1_050);
  assert.ok(runs >= 10 && runs <= 11, `runs ${runs}`);
  wake(); // already running: no second ticker
  clock.advance(1_000);
  assert.ok(runs >= 20 && runs <= 21, `runs ${runs}`);
  scheduler.stop();
  wake();
  clock.advance(1_000);
  assert.ok(runs <= 21);
  assert.equal(clock.pendingCount, 0);
});
