import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@shoal/kit';
import { kRandomIndexes, kRandomNodes, pushPullScale, randomOffset, retransmitLimit, suspicionTimeout } from './util.js';

test('suspicionTimeout scales with log10(n), truncated to thousandths (Go TestSuspicionTimeout)', () => {
  const expected: Record<number, number> = { 5: 1000, 10: 1000, 50: 1698, 100: 2000, 500: 2698, 1000: 3000 };
  for (const [n, ms] of Object.entries(expected)) assert.equal(suspicionTimeout(3, Number(n), 1000) / 3, ms, `n=${n}`);
  assert.equal(suspicionTimeout(4, 0, 1000), 4000, 'n=0 counts as 1');
});

test('retransmitLimit (Go TestRetransmitLimit, spec §11.5 LAN table)', () => {
  assert.equal(retransmitLimit(3, 0), 0);
  assert.equal(retransmitLimit(3, 1), 3);
  assert.equal(retransmitLimit(3, 99), 6);
  for (let n = 1; n <= 9; n++) assert.equal(retransmitLimit(4, n), 4);
  for (let n = 10; n <= 99; n++) assert.equal(retransmitLimit(4, n), 8);
  for (let n = 100; n <= 999; n++) assert.equal(retransmitLimit(4, n), 12);
});

test('pushPullScale (Go TestPushPullScale)', () => {
  for (let i = 0; i <= 32; i++) assert.equal(pushPullScale(1000, i), 1000);
  for (let i = 33; i <= 64; i++) assert.equal(pushPullScale(1000, i), 2000);
  for (let i = 65; i <= 128; i++) assert.equal(pushPullScale(1000, i), 3000);
  assert.equal(pushPullScale(30_000, 10_000), 300_000);
});

test('randomOffset stays in range, 0 for n = 0 (Go TestRandomOffset)', () => {
  const r = seededRandom(1);
  assert.equal(randomOffset(r, 0), 0);
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const v = randomOffset(r, 1 << 30);
    assert.ok(v >= 0 && v < 1 << 30);
    seen.add(v);
  }
  assert.ok(seen.size > 95, 'values vary');
});

test('kRandomNodes: k distinct items that pass the filter, varying between calls (Go TestKRandomNodes)', () => {
  const states = Array.from({ length: 90 }, (_, i) => ({ name: `test${i}`, state: i % 3 }));
  const r = seededRandom(7);
  const exclude = (n: { name: string; state: number }): boolean => n.name === 'test0' || n.state !== 0;
  const picks = [kRandomNodes(r, 3, states, exclude), kRandomNodes(r, 3, states, exclude), kRandomNodes(r, 3, states, exclude)];
  assert.notDeepEqual(picks[0], picks[1]);
  assert.notDeepEqual(picks[0], picks[2]);
  for (const p of picks) {
    assert.equal(p.length, 3);
    assert.equal(new Set(p).size, 3);
    for (const n of p) {
      assert.notEqual(n.name, 'test0');
      assert.equal(n.state, 0);
    }
  }
  assert.deepEqual(kRandomNodes(r, 3, states, () => true), [], 'gives up when nothing qualifies');
  assert.equal(kRandomIndexes(r, 5, 3).length <= 3, true);
  assert.deepEqual(new Set(kRandomIndexes(r, 3, 3)).size, kRandomIndexes(seededRandom(7), 3, 3).length);
});
