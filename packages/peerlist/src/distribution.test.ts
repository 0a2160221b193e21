// Statistical bounds on random and two-random-choices picks. Seeded (printed on
// failure); thresholds sit at roughly one-in-a-million false alarm rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import type { Implementation } from './implementation.js';
import type { Chosen } from './peer-facade.js';
import { PeerList } from './peer-list.js';
import { randomPeer } from './random-peer.js';
import { testSeed, withSeed } from './testing/seed.js';
import type { TransportPeer } from './transport.js';
import { twoRandomChoices } from './two-random-choices.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function makeList(n: number, implementation: Implementation<any>, seed: number) {
  const l = new PeerList<TransportPeer>({ transport: new FakeTransport(), implementation, clock: new ManualClock(), seed, capacity: 1 });
  l.update({ additions: Array.from({ length: n }, (_, i) => `p${i}`) });
  l.start();
  return l;
}

/** Pearson's chi-square statistic of counts against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

/** Upper 1e-6 quantile of chi-square with k degrees of freedom (Wilson–Hilferty). */
function chiSquareCritical(k: number): number {
  const z = 4.753;
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
}

function pickCounts(l: PeerList, n: number, picks: number, finish: boolean): { counts: number[]; held: Chosen[] } {
  const counts = new Array<number>(n).fill(0);
  const held: Chosen[] = [];
  for (let i = 0; i < picks; i++) {
    const c = l.tryChoose()!;
    counts[Number(c.id.slice(1))]!++;
    if (finish) c.onFinish();
    else held.push(c);
  }
  return { counts, held };
}

test('chi-square helper rejects a biased chooser (the test can fail)', () => {
  const biased = Array.from({ length: 20 }, (_, i) => (i === 0 ? 11_000 : 10_000));
  assert.ok(chiSquare(biased) > chiSquareCritical(19), `biased ${chiSquare(biased)}`);
});

test('random picks are uniform (chi-square, 20 peers, 200k picks)', () =>
  withSeed(testSeed(), (seed) => {
    const { counts } = pickCounts(makeList(20, randomPeer({ seed }), seed), 20, 200_000, true);
    const chi = chiSquare(counts);
    assert.ok(chi < chiSquareCritical(19), `chi-square ${chi.toFixed(1)} ≥ ${chiSquareCritical(19).toFixed(1)}: ${counts.join(',')}`);
  }));

test('two choices with no load left over are uniform too (ties keep the first draw)', () =>
  withSeed(testSeed(), (seed) => {
    const { counts } = pickCounts(makeList(20, twoRandomChoices({ seed }), seed), 20, 200_000, true);
    const chi = chiSquare(counts);
    assert.ok(chi < chiSquareCritical(19), `chi-square ${chi.toFixed(1)}: ${counts.join(',')}`);
  }));

test('held load: two choices keeps max − mean within a few requests, random spreads by tens', () =>
  withSeed(testSeed(), (seed) => {
    const n = 100;
    const picks = 100 * n;
    const gap = (counts: number[]): number => Math.max(...counts) - picks / n;
    const two = pickCounts(makeList(n, twoRandomChoices({ seed }), seed), n, picks, false);
    const rnd = pickCounts(makeList(n, randomPeer({ seed }), seed), n, picks, false);
    // Theory (Berenbrink et al.): two choices ln ln n / ln 2 + O(1) ≈ 2.2 + O(1); random ≈ sqrt(2 (m/n) ln n) ≈ 30.
    assert.ok(gap(two.counts) <= 6, `two choices gap ${gap(two.counts)}`);
    assert.ok(Math.min(...two.counts) >= picks / n - 12, `two choices min ${Math.min(...two.counts)}`);
    assert.ok(gap(rnd.counts) >= 10, `random gap ${gap(rnd.counts)} (sanity: random must look worse)`);
  }));

test('two choices always takes the less loaded of two distinct peers', () =>
  withSeed(testSeed(), (seed) => {
    const l = makeList(2, twoRandomChoices({ seed }), seed);
    const held = Array.from({ length: 10 }, () => l.tryChoose()!);
    // Each pick sees both peers (distinct pair), so loads stay within one request.
    const loads = (): number[] => ['p0', 'p1'].map((id) => l.pending(id)!);
    assert.ok(Math.abs(loads()[0]! - loads()[1]!) <= 1, `loads ${loads()}`);
    for (const c of held.filter((c) => c.id === 'p0')) c.onFinish();
    const next = l.tryChoose()!;
    assert.equal(next.id, 'p0');
  }));
