import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from './random.js';
import { createRandom, cryptoSeed } from './real-random.js';

test('same seed, same sequence; different seed, different sequence', () => {
  const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
  const xs = Array.from({ length: 100 }, () => a.uint32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.uint32()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.uint32()), xs);
});

test('seeds above 2^32 stay distinct', () => {
  assert.notEqual(seededRandom(1).uint32(), seededRandom(1 + 2 ** 32).uint32());
});

test('int stays in range and covers it roughly uniformly', () => {
  const r = seededRandom(7);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[r.int(10)]++;
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500, `bucket ${c}`);
  assert.throws(() => r.int(0), RangeError);
  assert.throws(() => r.int(1.5), RangeError);
});

test('float is in [0,1)', () => {
  const r = seededRandom(1);
  for (let i = 0; i < 10_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
  }
});

test('shuffle is a permutation; sample returns k distinct items', () => {
  const r = seededRandom(3);
  const items = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual(r.shuffle(items.slice()).sort((x, y) => x - y), items);
  for (const k of [0, 1, 7, 49, 50, 80]) {
    const s = r.sample(items, k);
    assert.equal(s.length, Math.min(k, 50));
    assert.equal(new Set(s).size, s.length);
  }
  assert.equal(r.pick([]), undefined);
});

test('sample is unbiased over positions', () => {
  const r = seededRandom(11);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) for (const x of r.sample([0, 1, 2, 3, 4], 2)) counts[x]++;
  for (const c of counts) assert.ok(c > 19_000 && c < 21_000, `count ${c}`);
});

test('fork gives an independent, reproducible stream', () => {
  const f1 = seededRandom(5).fork(), f2 = seededRandom(5).fork();
  assert.equal(f1.seed, f2.seed);
  assert.equal(f1.uint32(), f2.uint32());
});

test('crypto seeds are safe integers, vary, and replay', () => {
  const seeds = Array.from({ length: 200 }, () => cryptoSeed());
  for (const s of seeds) assert.ok(Number.isSafeInteger(s) && s >= 0, String(s));
  assert.ok(new Set(seeds).size > 195);
  assert.ok(seeds.some((s) => s > 2 ** 40), 'high bits are used');
  const r = createRandom();
  assert.equal(seededRandom(r.seed).uint32(), r.uint32());
});
