import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, Simulation, constantLatency } from '@shoal/sim';
import type { Address } from './address.js';
import { defaultLANConfig, type Config } from './config.js';
import { Memberlist } from './memberlist.js';
import { MockNetwork } from './mock-transport.js';
import { SimCluster } from './sim/cluster.js';
import type { NodeAwareTransport } from './transport.js';
import { NodeStateType } from './wire/types.js';

const SEED = Number(process.env.SEED ?? 3);

test('Lifeguard awareness: a member cut off from everyone raises its own health score; bystanders stay healthy (Go ProbeNode_Awareness_*)', async () => {
  const c = new SimCluster({ seed: SEED });
  for (const n of ['a', 'b', 'c', 'd']) await c.add(n);
  for (const m of c.members.slice(1)) await c.sim.settle(m.list.join([c.members[0]!.transport.address]));
  await c.sim.runUntil(() => c.converged());
  c.network.isolate(c.member('a').host);
  await c.sim.runFor(10_000);
  // a's probes fail and its indirect requests bring no nacks: the fault is its own, so its score climbs
  // by the number of nacks it missed (fewer as its peers turn suspect and stop being asked).
  assert.ok(c.member('a').list.healthScore() >= 4, `a: ${c.member('a').list.healthScore()}`);
  // b, c, d fail to reach a too, but their other probes succeed. (As in Go, at score 0 the helpers'
  // nacks come after the probe window — 2 × ProbeTimeout = ProbeInterval on a LAN — so a failed
  // probe still costs something; once the window stretches, the nacks arrive and clear them.)
  for (const n of ['b', 'c', 'd']) assert.ok(c.member(n).list.healthScore() <= 2, `${n}: ${c.member(n).list.healthScore()}`);
  c.network.heal();
  await c.sim.runFor(20_000);
  assert.equal(c.member('a').list.healthScore(), 0, 'successful probes bring it back down');
});

/** A transport that silently drops datagrams to some addresses (UDP broken, TCP fine). */
function dropping(inner: NodeAwareTransport, blocked: Set<string>): NodeAwareTransport {
  return {
    finalAdvertiseAddr: (ip, port) => inner.finalAdvertiseAddr(ip, port),
    listen: (h) => inner.listen(h),
    shutdown: () => inner.shutdown(),
    dialTimeout: (addr, ms) => inner.dialTimeout(addr, ms),
    dialAddressTimeout: (a, ms) => inner.dialAddressTimeout(a, ms),
    writeTo: (buf, addr) => (blocked.has(addr) ? 0 : inner.writeTo(buf, addr)),
    writeToAddress: (buf, a: Address) => (blocked.has(a.addr) ? 0 : inner.writeToAddress(buf, a)),
  };
}

async function udpBlockedPair(overrides: Partial<Config>) {
  const sim = new Simulation({ seed: SEED });
  const net = new MockNetwork(new SimNetwork(sim, { link: { latency: constantLatency(1) } }));
  const ta = net.newTransport('a');
  const tb = net.newTransport('b');
  const blocked = new Set<string>();
  const base = { pushPullIntervalMs: 0, ...overrides };
  const a = await Memberlist.create(defaultLANConfig({ name: 'a', transport: dropping(ta, blocked), clock: ta.node.clock, random: ta.node.random, ...base }));
  const b = await Memberlist.create(defaultLANConfig({ name: 'b', transport: tb, clock: tb.node.clock, random: tb.node.random, ...base }));
  await sim.settle(b.join([ta.address]));
  blocked.add(tb.address);
  return { sim, a, b };
}

test('TCP fallback: a member reachable only over TCP is not suspected; with TCP pings disabled it is (Go ProbeNode_FallbackTCP, _Disabled)', async () => {
  for (const disableTcpPings of [false, true]) {
    const { sim, a } = await udpBlockedPair({ disableTcpPings });
    await sim.runFor(5_000);
    const b = a.allNodes().find((n) => n.node.name === 'b')!;
    if (disableTcpPings) assert.notEqual(b.node.state, NodeStateType.Alive, 'suspected without the TCP fallback');
    else assert.equal(b.node.state, NodeStateType.Alive, 'the TCP ping reached it');
  }
});

test('probing walks the shuffled table round-robin and reaps the long dead on each pass (Go TestMemberList_ResetNodes, Probe)', async () => {
  const c = new SimCluster({ seed: SEED, config: { gossipToTheDeadTimeMs: 5_000 } });
  for (const n of ['a', 'b', 'c', 'd', 'e']) await c.add(n);
  for (const m of c.members.slice(1)) await c.sim.settle(m.list.join([c.members[0]!.transport.address]));
  await c.sim.runUntil(() => c.converged());
  const probed = new Map<string, number>();
  const a = c.member('a');
  a.list.internals.context.transport.writeToAddress = ((orig) => (buf: Uint8Array, to: Address) => {
    probed.set(to.name, (probed.get(to.name) ?? 0) + 1);
    return orig(buf, to);
  })(a.list.internals.context.transport.writeToAddress.bind(a.list.internals.context.transport));
  await c.sim.runFor(8_000);
  for (const n of ['b', 'c', 'd', 'e']) assert.ok((probed.get(n) ?? 0) >= 1, `${n} probed`);
  c.kill('e');
  await c.sim.runUntil(() => a.list.allNodes().find((n) => n.node.name === 'e')?.node.state === NodeStateType.Dead);
  await c.sim.runFor(15_000);
  assert.equal(a.list.allNodes().find((n) => n.node.name === 'e'), undefined, 'reaped after GossipToTheDeadTime');
});
