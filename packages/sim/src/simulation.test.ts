import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deferred, seededRandom, sleep } from '@shoal/kit';
import { Simulation } from './simulation.js';
import { SimDeadlockError, SimReentrancyError, SimRunawayError } from './errors.js';

test('events run in time order, equal times in scheduling order', () => {
  const sim = new Simulation({ seed: 1 });
  const log: string[] = [];
  sim.after(20, () => log.push('b@20'));
  sim.after(10, () => log.push('a@10'));
  sim.after(20, () => log.push('c@20'));
  sim.after(0, () => log.push('z@0'));
  sim.after(-5, () => log.push('y@0 (negative delay means now)'));
  sim.runSync();
  assert.deepEqual(log, ['z@0', 'y@0 (negative delay means now)', 'a@10', 'b@20', 'c@20']);
  assert.equal(sim.now(), 20);
});

test('a random workload pops in (time, seq) order (property over seeds)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = seededRandom(seed);
    const sim = new Simulation({ seed });
    const fired: { t: number; i: number }[] = [];
    const expected: { t: number; i: number }[] = [];
    const timers = [];
    for (let i = 0; i < 2000; i++) {
      const t = rnd.int(50) * (rnd.chance(0.5) ? 1 : 0.25); // many ties
      const timer = sim.after(t, () => fired.push({ t: sim.now(), i }));
      timers.push({ timer, t, i });
    }
    for (const entry of timers) {
      if (rnd.chance(0.3)) entry.timer.cancel();
      else expected.push({ t: entry.t, i: entry.i });
    }
    expected.sort((a, b) => a.t - b.t || a.i - b.i);
    sim.runSync();
    assert.deepEqual(fired, expected, `seed ${seed}`);
  }
});

test('cancellation: cancelled timers never fire; active tracks state; cancel is idempotent', () => {
  const sim = new Simulation({ seed: 2 });
  let fired = 0;
  const a = sim.after(5, () => fired++);
  const b = sim.after(5, () => fired++);
  assert.equal(a.active, true);
  a.cancel();
  a.cancel();
  assert.equal(a.active, false);
  sim.runSync();
  assert.equal(fired, 1);
  assert.equal(b.active, false, 'a one-shot timer is inactive after firing');
  b.cancel(); // after firing: harmless
  assert.equal(sim.stats.pending, 0);
});

test('mass cancellation compacts the queue and keeps order', () => {
  const sim = new Simulation({ seed: 3 });
  const fired: number[] = [];
  const timers = Array.from({ length: 20_000 }, (_, i) => sim.after(1000 + i, () => fired.push(i)));
  timers.forEach((t, i) => {
    if (i % 10 !== 0) t.cancel();
  });
  assert.equal(sim.stats.pending, 2000);
  sim.runSync();
  assert.deepEqual(fired, Array.from({ length: 2000 }, (_, k) => k * 10));
});

test('every: fires at each period until cancelled, also from inside its own callback', () => {
  const sim = new Simulation({ seed: 4 });
  const times: number[] = [];
  const timer = sim.every(10, () => {
    times.push(sim.now());
    if (times.length === 5) timer.cancel();
  });
  sim.runSync();
  assert.deepEqual(times, [10, 20, 30, 40, 50]);
  assert.equal(timer.active, false);
});

test('clock: wallTime is epoch + now; runFor advances time without events; runUntil(time)', () => {
  const sim = new Simulation({ seed: 5, epochMs: 1_000_000 });
  assert.equal(sim.now(), 0);
  assert.equal(sim.wallTime(), 1_000_000);
  sim.runForSync(12.5);
  assert.equal(sim.now(), 12.5);
  assert.equal(sim.wallTime(), 1_000_012.5);
  const seen: number[] = [];
  sim.after(10, () => seen.push(sim.now()));
  sim.after(30, () => seen.push(sim.now()));
  sim.runUntilSync(40);
  assert.deepEqual(seen, [22.5]);
  assert.equal(sim.now(), 40);
  sim.runSync();
  assert.deepEqual(seen, [22.5, 42.5]);
  assert.throws(() => sim.after(NaN, () => {}), RangeError);
});

test('timer groups cancel all their timers at once', () => {
  const sim = new Simulation({ seed: 6 });
  const group = sim.timerGroup();
  let fired = 0;
  group.after(5, () => fired++);
  group.every(3, () => fired++);
  sim.after(4, () => group.cancelAll());
  sim.runSync();
  assert.equal(fired, 1, 'only the every(3) at t=3 fired');
  assert.equal(group.activeCount, 0);
});

test('runaway guard stops an endless run', async () => {
  const sim = new Simulation({ seed: 7 });
  sim.every(1, () => {});
  assert.throws(() => sim.runSync({ maxEvents: 1000 }), SimRunawayError);
  await assert.rejects(sim.run({ maxEvents: 1000 }), SimRunawayError);
});

test('runs cannot be nested', async () => {
  const sim = new Simulation({ seed: 8 });
  let inner: unknown;
  sim.after(1, () => {
    try {
      sim.runSync();
    } catch (e) {
      inner = e;
    }
  });
  sim.runSync();
  assert.ok(inner instanceof SimReentrancyError);
});

for (const asyncDetection of ['promise-hooks', 'always'] as const) {
  test(`async (${asyncDetection}): an awaiting coroutine observes the virtual time of each wake-up`, async () => {
    const sim = new Simulation({ seed: 9, asyncDetection });
    const seen: number[] = [];
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await sleep(sim, 10);
        seen.push(sim.now());
        await Promise.resolve(); // a few more hops before reading the time again
        await null;
        seen.push(sim.now());
      }
    };
    const done = worker();
    sim.after(15, () => {}); // unrelated event between wake-ups
    await sim.run();
    await done;
    assert.deepEqual(seen, [10, 10, 20, 20, 30, 30]);
  });

  test(`async (${asyncDetection}): a deep continuation chain finishes before time advances`, async () => {
    const sim = new Simulation({ seed: 10, asyncDetection });
    const signal = new Deferred<void>();
    let observed = -1;
    const deep = async (n: number): Promise<number> => (n === 0 ? sim.now() : deep(n - 1));
    void (async () => {
      await signal.promise;
      for (let i = 0; i < 50; i++) await Promise.resolve(i);
      observed = await deep(20);
    })();
    sim.after(5, () => signal.resolve());
    sim.after(6, () => {}); // the next event must not run before the chain above finishes
    await sim.run();
    assert.equal(observed, 5);
  });

  test(`async (${asyncDetection}): thenable resolution and async returns see the right time`, async () => {
    const sim = new Simulation({ seed: 14, asyncDetection });
    const seen: [string, number][] = [];
    let resolveOuter!: (v: Promise<number>) => void;
    const outer = new Promise<number>((r) => (resolveOuter = r));
    void outer.then(() => seen.push(['resolved with a promise', sim.now()]));
    sim.after(5, () => resolveOuter(Promise.resolve(1)));
    const returnsPromise = async (): Promise<number> => Promise.resolve(2);
    sim.after(7, () => void returnsPromise().then(() => seen.push(['async function returning a promise', sim.now()])));
    const thenable = { then: (r: (v: number) => void) => r(3) };
    sim.after(9, () => void Promise.resolve(thenable).then(() => seen.push(['custom thenable', sim.now()])));
    sim.after(20, () => {});
    await sim.run();
    assert.deepEqual(seen, [
      ['resolved with a promise', 5],
      ['async function returning a promise', 7],
      ['custom thenable', 9],
    ]);
  });

  test(`async (${asyncDetection}): settle returns the value; runUntil(predicate); step`, async () => {
    const sim = new Simulation({ seed: 11, asyncDetection });
    const value = await sim.settle(
      (async () => {
        await sleep(sim, 100);
        return sim.now();
      })(),
    );
    assert.equal(value, 100);
    let flag = false;
    sim.after(7, () => (flag = true));
    sim.after(50, () => {});
    assert.equal(await sim.runUntil(() => flag), true);
    assert.equal(sim.now(), 107);
    assert.equal(await sim.step(), true);
    assert.equal(sim.now(), 150);
    assert.equal(await sim.step(), false);
    await assert.rejects(sim.settle(new Promise(() => {})), SimDeadlockError);
  });
}

test("async ('always'): queueMicrotask and nextTick work also finishes before time advances", async () => {
  const sim = new Simulation({ seed: 15, asyncDetection: 'always' });
  const seen: number[] = [];
  sim.after(5, () => queueMicrotask(() => process.nextTick(() => queueMicrotask(() => seen.push(sim.now())))));
  sim.after(6, () => seen.push(sim.now()));
  await sim.run();
  assert.deepEqual(seen, [5, 6]);
});

test('sync mode: callback-driven code runs without yielding', () => {
  const sim = new Simulation({ seed: 12 });
  let pings = 0;
  const ping = (): void => {
    pings++;
    if (pings < 100) sim.after(1, ping);
  };
  sim.after(1, ping);
  assert.equal(sim.stepSync(), true);
  assert.equal(pings, 1);
  sim.runSync();
  assert.equal(pings, 100);
  assert.equal(sim.now(), 100);
  assert.equal(sim.stats.eventsRun, 100);
});

test('trace hash: same seed and workload give the same hash, timer order changes it', () => {
  const hashOf = (swap: boolean): string => {
    const sim = new Simulation({ seed: 13 });
    sim.after(swap ? 2 : 1, () => {});
    sim.after(swap ? 1 : 2, () => {});
    sim.note('x', 1);
    sim.runSync();
    return sim.traceHash;
  };
  assert.match(hashOf(false), /^[0-9a-f]{16}$/);
  assert.equal(hashOf(false), hashOf(false));
  assert.notEqual(hashOf(false), hashOf(true));
});
