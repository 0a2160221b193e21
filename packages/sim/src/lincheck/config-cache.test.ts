import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigCache, LinearizedSet } from './config-cache.js';

function setOf(knownCount: number, unknownCount: number, members: number[]): LinearizedSet {
  const set = new LinearizedSet(knownCount, unknownCount);
  for (const op of members) set.toggle(op);
  return set;
}

test('a configuration is new once, whatever order its operations were linearized in', () => {
  const cache = new ConfigCache<string>((a, b) => a === b);
  assert.equal(cache.addUnlessSubsumed(setOf(100, 0, [3, 70, 1]), 's', 7), true);
  assert.equal(cache.addUnlessSubsumed(setOf(100, 0, [70, 1, 3]), 's', 7), false);
  assert.equal(cache.addUnlessSubsumed(setOf(100, 0, [70, 1, 3]), 't', 8), true, 'another state');
  assert.equal(cache.addUnlessSubsumed(setOf(100, 0, [70, 1]), 's', 7), true, 'another set');
  assert.equal(cache.size, 3);
});

test('sets that differ only beyond the leading full words are told apart', () => {
  const cache = new ConfigCache<string>((a, b) => a === b);
  const prefix = Array.from({ length: 64 }, (_, i) => i);
  assert.equal(cache.addUnlessSubsumed(setOf(200, 0, [...prefix, 100]), 's', 1), true);
  assert.equal(cache.addUnlessSubsumed(setOf(200, 0, [...prefix, 101]), 's', 1), true);
  assert.equal(cache.addUnlessSubsumed(setOf(200, 0, [...prefix, 64, 100]), 's', 1), true);
  // Toggling out and back in must give the same set as never touching it.
  const churned = setOf(200, 0, [...prefix, 100, 5, 130, 130, 5]);
  assert.equal(cache.addUnlessSubsumed(churned, 's', 1), false);
});

test('fewer unknown operations linearized subsumes more, not the other way round', () => {
  const cache = new ConfigCache<string>((a, b) => a === b);
  // Operations 0..9 are known, 10..49 unknown.
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1, 12, 45]), 's', 1), true);
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1, 12, 45, 30]), 's', 1), false, 'a superset of unknowns is covered');
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1, 12]), 's', 1), true, 'a subset of unknowns can do more');
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1, 12, 45]), 's', 1), false, 'now covered by the subset');
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1, 13]), 's', 1), true, 'incomparable');
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 2, 12]), 's', 1), true, 'other known operations');
  assert.equal(cache.addUnlessSubsumed(setOf(10, 40, [0, 1]), 't', 2), true, 'another state');
});
