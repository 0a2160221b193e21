import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, text } from './testing/cluster.js';

test('smoke: 3 nodes elect and replicate', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 7 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 10; i++) await leader.raft.apply(text(`cmd${i}`));
  await c.waitForReplication(10);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});
