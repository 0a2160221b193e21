import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from './sim/index.js';
import { NodeStateType } from './wire/types.js';

const NAMES = ['ash', 'birch', 'cedar', 'dogwood', 'elm'];

/**
 * Five members on the local profile (two transmissions per gossip message);
 * dogwood crashes, is declared dead, and a fresh process on its address joins
 * through ash. Returns how long after the join ash, then every member, took
 * it back, in virtual ms.
 */
async function restartThroughSeed(seed: number): Promise<{ seedMs: number; allMs: number }> {
  const c = new SimCluster({ seed, profile: 'local' });
  for (const name of NAMES) await c.add(name);
  const ash = c.member('ash');
  for (const name of NAMES.slice(1)) await c.sim.settle(c.member(name).list.join([ash.transport.address]));
  await c.sim.runUntil(() => c.converged());
  c.kill('dogwood');
  const heldByAsh = () => ash.list.allNodes().find((e) => e.node.name === 'dogwood')?.node.state;
  await c.sim.runUntil(() => heldByAsh() === NodeStateType.Dead);
  await c.sim.runFor(1_500);
  const reborn = await c.restart('dogwood');
  await c.sim.settle(reborn.list.join([ash.transport.address]));
  const joinedAt = c.sim.now();
  await c.sim.runUntil(() => heldByAsh() === NodeStateType.Alive);
  const seedMs = c.sim.now() - joinedAt;
  await c.sim.runUntil(() => c.converged());
  return { seedMs, allMs: c.sim.now() - joinedAt };
}

// With Go's behaviour (neither rule), over these seeds ash took dogwood back more than 100 ms after
// the join in 35 of 100 (seeds 10 and 44: 3.0 s), and every member only after 3–14.5 s in 6 (seed 51:
// 14.5 s), waiting for a push/pull: dogwood's refutation and each relay reach two members of four.
test('a member restarted after it was declared dead is taken back by the seed it joins through at once, and by all within 2 s (seeds 1–100)', { timeout: 120_000 }, async () => {
  const slow: string[] = [];
  for (let seed = 1; seed <= 100; seed++) {
    const { seedMs, allMs } = await restartThroughSeed(seed);
    if (seedMs > 100 || allMs > 2_000) slow.push(`seed ${seed}: the seed after ${seedMs.toFixed(0)} ms, all after ${allMs.toFixed(0)} ms`);
  }
  assert.deepEqual(slow, []);
});
