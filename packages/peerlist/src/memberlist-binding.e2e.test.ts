// The binding fed by a real memberlist: a five-member cluster on the
// simulator, the peer list bound to one member's view. Seeded; replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '@shoal/memberlist/sim';
import { MemberlistBinding } from './memberlist-binding.js';
import { MembershipGate } from './membership-gate.js';
import { PeerList } from './peer-list.js';
import { roundRobin } from './round-robin.js';

const SEED = Number(process.env.PEERLIST_SEED ?? 20261122);

test(`memberlist feeds the peer list: join adds, crash marks unavailable then removes, leave removes (seed ${SEED})`, { timeout: 60_000 }, async () => {
  const cluster = new SimCluster({ seed: SEED, profile: 'local' });
  /** Runs the simulation until `cond` holds, failing after `limitMs` of virtual time. */
  const until = async (what: string, cond: () => boolean, limitMs: number): Promise<void> => {
    const deadline = cluster.sim.now() + limitMs;
    await cluster.sim.runUntil(() => cond() || cluster.sim.now() > deadline);
    assert.ok(cond(), `${what}: not within ${limitMs} virtual ms (seed ${SEED})`);
  };
  const names = ['a', 'b', 'c', 'd', 'e'];
  for (const name of names) await cluster.add(name);
  const observer = cluster.member('a').list;
  const seedAddr = observer.localNode().address;
  for (const name of names.slice(1)) await cluster.sim.settle(cluster.member(name).list.join([seedAddr]));
  await until('converged', () => cluster.converged(), 30_000);

  const gate = new MembershipGate();
  const list = new PeerList({ transport: gate, implementation: roundRobin(), clock: cluster.sim, seed: 1 });
  list.start();
  const graceMs = 5_000;
  const binding = new MemberlistBinding({ source: observer, list, gate, clock: cluster.sim, deadGraceMs: graceMs });
  binding.start();
  const addressOf = (name: string): string => cluster.member(name).list.localNode().address;
  const ids = (): string[] => list.peers().map((p) => p.id).sort();

  assert.deepEqual(ids(), names.map(addressOf).sort(), 'the initial sync adds every member');
  assert.equal(list.numAvailable, 5);

  // Crash d: suspect keeps it available; dead makes it unavailable at once, then it goes after the grace period.
  const crashed = addressOf('d');
  cluster.kill('d');
  await until('d declared dead', () => observer.allNodes().some((n) => n.node.name === 'd' && n.node.state === 2), 60_000);
  await cluster.sim.runFor(50); // the binding's batch window
  assert.ok(ids().includes(crashed), 'a dead member stays listed during the grace period');
  assert.equal(list.available(crashed), false, 'but it is no longer chosen');
  assert.equal(list.numAvailable, 4);
  for (let i = 0; i < 20; i++) {
    const chosen = list.tryChoose();
    assert.ok(chosen && chosen.id !== crashed);
    chosen.onFinish();
  }
  await cluster.sim.runFor(graceMs + 100);
  assert.ok(!ids().includes(crashed), 'removed once the grace period passes');

  // A graceful leave removes at once.
  const leaving = addressOf('e');
  await cluster.sim.settle(cluster.member('e').list.leave(5_000));
  await until('e removed after leaving', () => !ids().includes(leaving), 30_000);
  assert.deepEqual(ids(), ['a', 'b', 'c'].map(addressOf).sort());

  // A new member joining is added.
  const f = await cluster.add('f');
  await cluster.sim.settle(f.list.join([seedAddr]));
  await until('f added', () => ids().includes(addressOf('f')), 30_000);
  assert.equal(list.available(addressOf('f')), true);

  binding.stop();
  list.stop();
  for (const m of cluster.live) await cluster.sim.settle(m.list.shutdown());
});
