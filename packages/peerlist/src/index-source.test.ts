import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@shoal/kit';
import { IndexSource } from './index-source.js';

test('indices stay in range, replay from the seed, and cover the range evenly', () => {
  for (const n of [1, 2, 7, 1000, 2 ** 21]) {
    const source = new IndexSource(seededRandom(n));
    for (let i = 0; i < 10_000; i++) {
      const x = source.next(n);
      assert.ok(Number.isInteger(x) && x >= 0 && x < n, `${x} out of [0, ${n})`);
    }
  }
  const a = new IndexSource(seededRandom(9));
  const b = new IndexSource(seededRandom(9));
  assert.deepEqual(Array.from({ length: 50 }, () => a.next(100)), Array.from({ length: 50 }, () => b.next(100)));
  const counts = new Array<number>(10).fill(0);
  const c = new IndexSource(seededRandom(5));
  for (let i = 0; i < 100_000; i++) counts[c.next(10)]!++;
  for (const k of counts) assert.ok(k > 9_500 && k < 10_500, `bucket ${k}`);
});
