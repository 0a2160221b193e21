import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics } from '@shoal/kit';
import { SimCluster, type SimMember } from './sim/cluster.js';
import { RawPeer } from './sim/raw-peer.js';
import type { Alive } from './wire/messages.js';
import { encodePushPull, encodeStream, StreamDecoder } from './wire/stream.js';
import { MessageType, NodeStateType } from './wire/types.js';

// Issue 17 item 4: without a key anyone may send alive and dead messages.
// Forged members must not get in, and a live member forged dead must come
// back within one push/pull interval. Virtual time, seeded.

const VSN = Uint8Array.of(1, 5, 2, 0, 0, 0);
const NOWHERE = new Uint8Array(0);

async function convergedCluster(seed: number, n: number, metrics?: InMemoryMetrics): Promise<SimCluster> {
  const c = new SimCluster({ seed, config: metrics ? { metrics } : {} });
  for (let i = 0; i < n; i++) await c.add(`node-${i}`);
  for (const m of c.members.slice(1)) await c.sim.settle(m.list.join([c.members[0]!.transport.address]));
  assert.ok(await c.sim.runUntil(() => c.converged()), `seed ${seed}: not converged`);
  return c;
}

function incarnationOf(m: SimMember): number {
  const t = m.list.internals.context.state.table;
  return t.incarnation(t.indexOf(m.name));
}

function notSeeingAlive(c: SimCluster, name: string): string[] {
  return c.live.filter((m) => !m.list.members().some((n) => n.name === name && n.state === NodeStateType.Alive)).map((m) => m.name);
}

function seenAliveByAll(c: SimCluster, name: string): boolean {
  return notSeeingAlive(c, name).length === 0;
}

/** The members whose table holds `name` in any state, reaped rows aside. */
function holders(c: SimCluster, name: string): string[] {
  return c.live.filter((m) => m.list.internals.context.state.table.indexOf(name) >= 0).map((m) => m.name);
}

test('forged members with no usable address or with protocol version 0 are dropped and counted, and a forged dead is undone within one push/pull interval', { timeout: 120_000 }, async () => {
  // Seed 6 is the sticky case: before the checks, members with protocol
  // version 0 failed every push/pull, and node-3, having missed the victim's
  // refutation and then reaped it, never learned it again (still evicted
  // after 20 virtual minutes).
  for (const seed of [6, 1, 2, 3]) {
    const metrics = new InMemoryMetrics();
    const c = await convergedCluster(seed, 8, metrics);
    const attacker = new RawPeer(c.network, 9999);
    // The attacker's members: three with no address, two with no address and
    // protocol version 0, each told to one member and left to gossip.
    const ghosts: Alive[] = [];
    for (let g = 0; g < 3; g++) ghosts.push({ incarnation: 1, node: `ghost${g}`, addr: NOWHERE, port: 7946, meta: undefined, vsn: VSN });
    for (let g = 0; g < 2; g++) ghosts.push({ incarnation: 1, node: `vghost${g}`, addr: NOWHERE, port: 7946, meta: undefined, vsn: Uint8Array.of(1, 5, 0, 0, 0, 0) });
    ghosts.forEach((g, k) => attacker.send(c.members[k % 3]!.transport.address, { type: MessageType.Alive, body: g }));
    await c.sim.runFor(60_000);
    for (const g of ghosts) assert.deepEqual(holders(c, g.node), [], `seed ${seed}: ${g.node} got into a table`);
    const invalid = [...metrics.snapshot().counters].filter(([k]) => k.startsWith('memberlist.msg.alive.invalid')).reduce((sum, [, v]) => sum + v, 0);
    assert.equal(invalid, ghosts.length, `seed ${seed}: each forged alive is dropped where it lands, and counted`);

    const victim = c.members.at(-1)!;
    const dead = { incarnation: incarnationOf(victim), node: victim.name, from: 'node-0' };
    for (const m of c.members) attacker.send(m.transport.address, { type: MessageType.Dead, body: dead });
    const forgedAt = c.sim.now();
    await c.sim.runFor(10);
    assert.equal(seenAliveByAll(c, victim.name), false, `seed ${seed}: the forged dead took effect`);
    const pushPullIntervalMs = c.members[0]!.list.config.pushPullIntervalMs;
    await c.sim.runUntil(() => seenAliveByAll(c, victim.name) || c.sim.now() > forgedAt + pushPullIntervalMs);
    assert.ok(seenAliveByAll(c, victim.name), `seed ${seed}: ${victim.name} still evicted ${pushPullIntervalMs} ms after the forged dead (not alive at ${notSeeingAlive(c, victim.name).join(', ')})`);
  }
});

test('a push/pull carrying unusable entries (as a Go node that accepted forged members sends) merges the rest instead of failing', async () => {
  const seed = 5;
  const c = new SimCluster({ seed, config: { probeIntervalMs: 0, gossipIntervalMs: 0, pushPullIntervalMs: 0 } });
  const a = await c.add('a');
  const peer = new RawPeer(c.network);
  const alive = NodeStateType.Alive;
  const nodes = [
    { name: 'peer', addr: peer.ip, port: 7946, meta: undefined, incarnation: 3, state: alive, vsn: VSN },
    { name: 'ghost5', addr: NOWHERE, port: 7946, meta: undefined, incarnation: 1, state: alive, vsn: Uint8Array.of(0, 0, 0, 0, 0, 0) },
    { name: 'ghost6', addr: Uint8Array.of(10, 6, 6, 6), port: 7946, meta: undefined, incarnation: 1, state: alive, vsn: Uint8Array.of(1, 5, 0, 0, 0, 0) },
    { name: 'ghost7', addr: Uint8Array.of(10, 7, 7, 7), port: 7946, meta: undefined, incarnation: 1, state: NodeStateType.Dead, vsn: Uint8Array.of(1, 5) },
    { name: 'ghost8', addr: NOWHERE, port: 7946, meta: undefined, incarnation: 1, state: alive, vsn: VSN },
  ];
  const conn = await c.sim.settle(peer.node.dial(a.transport.address));
  conn.write(encodeStream(encodePushPull(true, nodes), { writeLabelHeader: true, compress: true }));
  const decoder = new StreamDecoder({ readLabelHeader: false });
  let r: ReturnType<StreamDecoder['push']> = 'need-more';
  while (r === 'need-more') r = decoder.push((await c.sim.settle(conn.read()))!);
  assert.equal(r.message.type, MessageType.PushPull, `seed ${seed}: answered with its state, not an error`);
  await c.sim.runFor(10);
  assert.deepEqual(a.list.members().map((n) => n.name).sort(), ['a', 'peer'], `seed ${seed}: only the usable entry was merged`);
});

test('a live member that one member alone holds dead at its current incarnation comes back within one push/pull interval', { timeout: 120_000 }, async () => {
  // The forged dead reaches only `holder`, cut off while its own dead gossip
  // runs out: the victim and everyone else never hear of it. The holder
  // ignores the victim's alive at the same incarnation (Go's rule), so what
  // brings the victim back is the merge rule: whoever push/pulls with the
  // holder takes its "dead" as a suspicion of its own, gossips it, and the
  // victim refutes. (With members whose versions failed every push/pull,
  // nothing did: see the test above.)
  for (const seed of [1, 2, 3, 4]) {
    const c = await convergedCluster(seed, 8);
    const holder = c.members[1]!;
    const victim = c.members.at(-1)!;
    const attacker = new RawPeer(c.network, 9999);
    c.network.split([holder.host, attacker.node], c.members.filter((m) => m !== holder).map((m) => m.host));
    attacker.send(holder.transport.address, { type: MessageType.Dead, body: { incarnation: incarnationOf(victim), node: victim.name, from: 'node-0' } });
    await c.sim.runFor(3_000);
    c.network.heal();
    const healedAt = c.sim.now();
    assert.equal(seenAliveByAll(c, victim.name), false, `seed ${seed}: the holder took the forged dead`);
    assert.deepEqual(notSeeingAlive(c, victim.name), [holder.name], `seed ${seed}: nobody else heard`);
    const pushPullIntervalMs = holder.list.config.pushPullIntervalMs;
    await c.sim.runUntil(() => seenAliveByAll(c, victim.name) || c.sim.now() > healedAt + pushPullIntervalMs);
    assert.ok(seenAliveByAll(c, victim.name), `seed ${seed}: ${victim.name} still dead at ${holder.name} ${pushPullIntervalMs} ms after the heal`);
  }
});
