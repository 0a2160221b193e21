// Beyond Go: push/pulls soon after join() close the gap a burst join leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLocalConfig } from './config.js';
import { SimCluster } from './sim/cluster.js';

const SEEDS = [1, 2, 3, 4, 5];

/** Virtual ms from the start of a 30-node burst join through one seed until every member sees all 30. */
async function burstJoin(seed: number, joinSyncDelaysMs: readonly number[]): Promise<number> {
  const cluster = new SimCluster({ seed, profile: 'local', config: { joinSyncDelaysMs } });
  for (let i = 0; i < 30; i++) await cluster.add(`node-${i}`);
  const seedAddr = cluster.member('node-0').list.localNode().address;
  const start = cluster.sim.now();
  const joins = cluster.members.slice(1).map((m) => m.list.join([seedAddr]));
  await cluster.sim.settle(Promise.all(joins));
  const limit = start + 120_000;
  await cluster.sim.runUntil(() => cluster.converged() || cluster.sim.now() > limit);
  const took = cluster.converged() ? cluster.sim.now() - start : Infinity;
  for (const m of cluster.members) await cluster.sim.settle(m.list.shutdown());
  return took;
}

test(`a 30-node burst join converges within 2 virtual s with post-join push/pulls, every seed (seeds ${SEEDS.join(',')})`, { timeout: 120_000 }, async () => {
  const withSync: number[] = [];
  const without: number[] = [];
  for (const seed of SEEDS) {
    withSync.push(await burstJoin(seed, defaultLocalConfig().joinSyncDelaysMs));
    without.push(await burstJoin(seed, []));
  }
  console.log(`burst join, 30 nodes, local profile: with post-join sync ${withSync.map((t) => Math.round(t)).join(', ')} ms; without ${without.map((t) => Math.round(t)).join(', ')} ms`);
  for (const [i, t] of withSync.entries()) assert.ok(t <= 2_000, `seed ${SEEDS[i]}: ${t} ms`);
  const worst = (xs: number[]): number => Math.max(...xs);
  assert.ok(worst(without) > worst(withSync), 'the early push/pulls are what closes the gap');
});

test('joinSyncDelaysMs is validated', async () => {
  const cluster = new SimCluster({ seed: 1, profile: 'local' });
  await assert.rejects(cluster.add('bad', { joinSyncDelaysMs: [-1] }), /joinSyncDelaysMs/);
});
