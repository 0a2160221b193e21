import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics } from '@shoal/kit';
import { Awareness } from './awareness.js';

test('score is clamped to [0, max-1] and scales timeouts (Go TestAwareness)', () => {
  const metrics = new InMemoryMetrics();
  const a = new Awareness(8, metrics);
  const steps: [delta: number, score: number, timeoutMs: number][] = [
    [0, 0, 1000],
    [-1, 0, 1000],
    [-10, 0, 1000],
    [1, 1, 2000],
    [-1, 0, 1000],
    [10, 7, 8000],
    [-1, 6, 7000],
    [-1, 5, 6000],
    [-1, 4, 5000],
    [-1, 3, 4000],
    [-1, 2, 3000],
    [-1, 1, 2000],
    [-1, 0, 1000],
    [-1, 0, 1000],
  ];
  for (const [delta, score, timeout] of steps) {
    a.applyDelta(delta);
    assert.equal(a.score, score);
    assert.equal(a.scaleTimeout(1000), timeout);
  }
  assert.equal(metrics.gauge('memberlist.health.score'), 0);
});

test('max 1 disables scaling', () => {
  const a = new Awareness(1);
  a.applyDelta(5);
  assert.equal(a.score, 0);
  assert.equal(a.scaleTimeout(500), 500);
  assert.throws(() => new Awareness(0), RangeError);
});
