import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MembershipEvent } from './host.js';
import { victims } from './scenario.js';
import { ClusterView } from './view.js';

const names = ['a', 'b', 'c'];
const join = (self: string, node: string, t: number): MembershipEvent => ({ event: 'join', self, node, t });
const leave = (self: string, node: string, t: number): MembershipEvent => ({ event: 'leave', self, node, t });

test('convergence is the latest time a node completed its view, once all are complete', () => {
  const v = new ClusterView(names);
  v.apply(join('a', 'b', 10));
  v.apply(join('a', 'c', 20));
  v.apply(join('b', 'a', 15));
  assert.equal(v.convergedAt(), undefined);
  v.apply(join('b', 'c', 30));
  v.apply(join('c', 'a', 12));
  v.apply(join('c', 'b', 25));
  assert.equal(v.convergedAt(), 30);
});

test('the convergence tail names the last node to complete and how long its last member had been known', () => {
  const v = new ClusterView(names);
  v.apply(join('a', 'b', 10));
  v.apply(join('a', 'c', 20)); // c first listed at 20
  v.apply(join('b', 'a', 15));
  v.apply(join('c', 'a', 12));
  v.apply(join('c', 'b', 25));
  v.apply(join('b', 'c', 70)); // b completes last, 50 ms after c was first listed
  assert.deepEqual(v.lastCompletion(), { node: 'b', member: 'c', afterFirstKnownMs: 50 });
});

test('losing a member restarts that node’s full-view clock, and counts as a false detection', () => {
  const v = new ClusterView(names);
  for (const [s, n] of [['a', 'b'], ['a', 'c'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['c', 'b']] as const) v.apply(join(s, n, 10));
  v.apply(leave('a', 'b', 40));
  assert.equal(v.convergedAt(), undefined);
  assert.equal(v.falseLeaves, 1);
  v.apply(join('a', 'b', 50));
  assert.equal(v.convergedAt(), 50);
});

test('detection waits for every survivor to drop every killed node; killed nodes’ own views are ignored', () => {
  const v = new ClusterView(names);
  for (const [s, n] of [['a', 'b'], ['a', 'c'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['c', 'b']] as const) v.apply(join(s, n, 10));
  v.markKilled(['c'], 100);
  assert.equal(v.clearedAt(), undefined);
  v.apply(leave('a', 'c', 150));
  v.apply(leave('c', 'a', 151)); // a killed node's view no longer matters
  assert.equal(v.clearedAt(), undefined);
  v.apply(leave('b', 'c', 180));
  assert.equal(v.clearedAt(), 180);
  assert.equal(v.falseLeaves, 0);
  assert.deepEqual(v.dropTimes(), [{ node: 'c', first: 150, last: 180 }]);
});

test('waitUntil resolves on the event that satisfies it, or undefined at the timeout', async () => {
  const v = new ClusterView(['a', 'b']);
  const converged = v.waitUntil(() => v.convergedAt(), 5000);
  v.apply(join('a', 'b', 1));
  v.apply(join('b', 'a', 2));
  assert.equal(await converged, 2);
  assert.equal(await v.waitUntil(() => v.clearedAt() === 0 ? 1 : undefined, 10), undefined);
});

test('victims are spread over the cluster and never the seed', () => {
  assert.deepEqual(victims(50, 5), [1, 10, 20, 30, 40]);
  assert.deepEqual(victims(3, 2), [1, 2]);
  assert.deepEqual(victims(10, 0), []);
});
