import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from './sim/cluster.js';

const SEED = Number(process.env.SEED ?? 1);

test('three members join through one and converge', async () => {
  const c = new SimCluster({ seed: SEED });
  const a = await c.add('a');
  const b = await c.add('b');
  const d = await c.add('d');
  const joinB = b.list.join([a.transport.address]);
  const joinD = d.list.join([a.transport.address]);
  assert.equal(await c.sim.settle(joinB), 1);
  assert.equal(await c.sim.settle(joinD), 1);
  await c.sim.runFor(5_000);
  assert.ok(c.converged(), `seed ${SEED}: not converged: ${c.live.map((m) => `${m.name}:${m.list.numMembers()}`).join(' ')}`);
  for (const m of c.members) await m.list.shutdown();
});
