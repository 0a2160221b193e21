import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestCluster } from '@shoal/raft/testing';
import { benchOp, benchRequestOf, quantile, runBench } from './raft-bench-op.js';

test('bench applies ops distinct commands of size bytes from concurrent clients, all committed on every server', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 7 });
  try {
    const leader = await c.waitForLeader();
    const reply = await c.run(runBench(leader.raft, { clients: 8, ops: 50, size: 40 }), 30_000);
    assert.equal(reply.ops, 50);
    assert.ok(reply.p50_ms <= reply.p99_ms && reply.p99_ms <= reply.max_ms, JSON.stringify(reply));
    assert.ok(reply.elapsed_ms > 0 && reply.rss_mb > 0 && reply.cpu_ms_per_op >= 0);
    await c.waitForReplication(50);
    for (const server of c.nodes) {
      const applied = server.fsm.texts();
      assert.equal(applied.length, 50, server.id);
      assert.equal(new Set(applied).size, 50, `${server.id} applied a command twice`);
      assert.ok(applied.every((t) => t.length === 40 && /^\d+\.+$/.test(t)), `${server.id}: ${applied[0]}`);
    }
  } finally {
    await c.shutdown();
  }
});

test('bench on a follower fails with the apply error; bad fields are refused', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 8 });
  try {
    await c.waitForLeader();
    const follower = c.nodes.find((n) => n.raft.state === 'Follower')!;
    await assert.rejects(c.run(runBench(follower.raft, { clients: 2, ops: 4, size: 8 })), /leader/i);
    assert.deepEqual(await benchOp(follower.raft, { clients: 0, ops: 4, size: 8 }), { ok: false, error: 'bench needs clients, an integer in [1, 4096]' });
  } finally {
    await c.shutdown();
  }
  assert.equal(benchRequestOf({ clients: 2, ops: 1.5, size: 8 }), 'bench needs ops, an integer in [1, 10000000]');
  assert.deepEqual(benchRequestOf({ clients: 2, ops: 3, size: 8, op: 'bench' }), { clients: 2, ops: 3, size: 8 });
});

test('quantile is nearest-rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(xs, 0.5), 50);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile([3], 0.99), 3);
  assert.equal(quantile([], 0.5), 0);
});
