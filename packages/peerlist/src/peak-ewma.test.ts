import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { Simulation } from '@shoal/sim';
import { FakeTransport } from './fake-transport.js';
import type { ListPeer } from './implementation.js';
import { PeakEwma } from './peak-ewma.js';
import { PeerList } from './peer-list.js';
import { roundRobin } from './round-robin.js';
import { testSeed, withSeed } from './testing/seed.js';

class Peer implements ListPeer {
  pending = 0;
  readonly status = 'available' as const;
  constructor(readonly id: string) {}
}

test('a slower sample replaces the estimate at once; a faster one is averaged in over time', () => {
  const clock = new ManualClock();
  const ewma = new PeakEwma({ clock, seed: 1, decayMs: 10_000, defaultRttMs: 30 });
  const p = new Peer('a');
  const e = ewma.add(p);
  assert.equal(ewma.estimateMs('a'), 30);
  ewma.finished(e, p, false, 20);
  assert.equal(ewma.estimateMs('a'), 20, 'the first sample replaces the default');
  ewma.finished(e, p, false, 100);
  assert.equal(ewma.estimateMs('a'), 100, 'a slower sample is taken at once');
  ewma.finished(e, p, false, 50);
  assert.equal(ewma.estimateMs('a'), 100, 'a faster sample at the same instant carries no weight');
  clock.advance(1000);
  ewma.finished(e, p, false, 10);
  const w = Math.exp(-0.1);
  assert.ok(Math.abs(ewma.estimateMs('a')! - (100 * w + 10 * (1 - w))) < 1e-9);
  const settled = ewma.estimateMs('a')!;
  clock.advance(10_000);
  assert.ok(Math.abs(ewma.estimateMs('a')! - settled * Math.exp(-1)) < 1e-9, 'an idle estimate decays, so the peer is retried');
  ewma.finished(e, p, false, NaN); // no measurement: ignored
  assert.ok(Math.abs(ewma.estimateMs('a')! - settled * Math.exp(-1)) < 1e-9);
});

test('cost is latency × (pending + 1): the faster peer wins until its queue outweighs its speed', () => {
  const clock = new ManualClock();
  const ewma = new PeakEwma({ clock, seed: 3 });
  const fast = new Peer('fast');
  const slow = new Peer('slow');
  ewma.finished(ewma.add(fast), fast, false, 10);
  ewma.finished(ewma.add(slow), slow, false, 100);
  for (let i = 0; i < 20; i++) assert.equal(ewma.choose(undefined)!.id, 'fast');
  fast.pending = 9; // 10 × (9 + 1) = 100 ties slow's 100 × 1: the first draw wins a tie
  const tied = new Set(Array.from({ length: 50 }, () => ewma.choose(undefined)!.id));
  assert.deepEqual([...tied].sort(), ['fast', 'slow']);
  fast.pending = 10;
  for (let i = 0; i < 20; i++) assert.equal(ewma.choose(undefined)!.id, 'slow');
});

test('a new peer among measured ones: a prior above their latency waits for it to decay; a prior of 0 is tried at once', () => {
  for (const [prior, firstChosenAfterMs] of [
    [30, 10_000 * Math.log(30 / 1)], // the docs' 34 s
    [0, 0],
  ] as const) {
    const clock = new ManualClock();
    const ewma = new PeakEwma({ clock, seed: 5, decayMs: 10_000, defaultRttMs: prior });
    const old = [new Peer('a'), new Peer('b')];
    const entries = old.map((p) => ewma.add(p));
    const fresh = new Peer('new');
    ewma.add(fresh);
    // Every second a request to each old peer measures 1 ms; count the draws the new peer wins meanwhile.
    let firstChosenMs: number | undefined;
    for (let t = 0; t <= 60_000 && firstChosenMs === undefined; t += 1000) {
      clock.advanceTo(t);
      old.forEach((p, i) => ewma.finished(entries[i]!, p, false, 1));
      for (let draw = 0; draw < 20; draw++) {
        if (ewma.choose(undefined)!.id === 'new') {
          firstChosenMs = t;
          break;
        }
      }
    }
    assert.ok(firstChosenMs !== undefined, `prior ${prior}: never chosen in 60 s`);
    assert.ok(Math.abs(firstChosenMs - firstChosenAfterMs) <= 1000, `prior ${prior}: first chosen at ${firstChosenMs} ms, expected about ${Math.round(firstChosenAfterMs)}`);
  }
});

test('through the list, in virtual time: a 10× slower backend gets far less traffic than with round robin', () =>
  withSeed(testSeed(), async (seed) => {
    const share = async (strategy: 'ewma' | 'rr'): Promise<number> => {
      const sim = new Simulation({ seed });
      const rnd = sim.fork();
      const implementation = strategy === 'ewma' ? new PeakEwma({ clock: sim, seed }) : roundRobin();
      const list = new PeerList({ transport: new FakeTransport(), implementation, clock: sim, seed });
      list.update({ additions: ['b0', 'b1', 'b2', 'b3', 'b4'] });
      list.start();
      let slowCount = 0;
      let total = 0;
      const issue = (): void => {
        if (total >= 5000) return;
        const c = list.tryChoose()!;
        total++;
        if (c.id === 'b0') slowCount++;
        const meanMs = c.id === 'b0' ? 100 : 10;
        sim.after(-Math.log(1 - rnd.float()) * meanMs, () => {
          c.onFinish();
          issue();
        });
      };
      for (let i = 0; i < 50; i++) issue();
      await sim.run();
      return slowCount / total;
    };
    const rr = await share('rr');
    const ewma = await share('ewma');
    assert.ok(Math.abs(rr - 0.2) < 0.01, `round robin sends 1/5 to each: ${rr}`);
    assert.ok(ewma < 0.05, `peak EWMA sends ${ewma} to the slow backend`);
  }));
