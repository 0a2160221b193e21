import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation } from './simulation.js';
import { SimNetwork } from './network.js';
import { logNormalLatency } from './latency.js';
import type { SimNode } from './node.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 1337);

/**
 * A small gossiping cluster with lossy, duplicating, reordering links,
 * streams, partitions (symmetric and asymmetric) and a crash/restart: every
 * source of randomness the simulator has, driven from one seed.
 */
async function runCluster(seed: number): Promise<{ hash: string; events: number; delivered: number; dropped: number }> {
  const sim = new Simulation({ seed });
  const net = new SimNetwork(sim, {
    link: { latency: logNormalLatency(2, 0.6), loss: 0.05, duplicate: 0.02, reorder: 0.05 },
  });
  const nodes = Array.from({ length: 24 }, () => net.addNode());
  const addresses = nodes.map((n) => n.address(7946));

  const start = (node: SimNode): void => {
    const socket = node.bindPacket(7946, (packet) => {
      if (node.random.chance(0.3)) socket.send(packet.data.subarray(0, 4), packet.from);
    });
    node.listen(7946, (stream) => {
      stream.setHandlers({
        data: (chunk) => stream.write(chunk),
        end: () => stream.end(),
        error: () => {},
      });
    });
    let counter = 0;
    node.clock.every(20 + node.random.int(30), () => {
      for (const to of node.random.sample(addresses, 3)) {
        socket.send(new Uint8Array([node.id, counter & 0xff, counter >> 8, 7, 1, 2, 3]), to);
      }
      counter++;
    });
    node.clock.every(300 + node.random.int(200), () => {
      const target = node.random.pick(addresses)!;
      void (async () => {
        try {
          const stream = await node.dial(target, { timeoutMs: 200 });
          stream.write(new Uint8Array([node.id, 1, 2, 3, 4]));
          stream.end();
          for await (const chunk of stream) sim.note('echo', chunk.length);
        } catch (error) {
          sim.note(`stream failed: ${(error as { code?: string }).code}`);
        }
      })();
    });
  };
  for (const node of nodes) {
    start(node);
    node.onCrash(() => node.clock.cancelAll());
    node.onRestart(() => start(node));
  }

  const chaos = sim.fork();
  sim.after(800, () => net.split(chaos.sample(nodes, 6)));
  sim.after(1400, () => net.heal());
  sim.after(1500, () => net.block(chaos.sample(nodes, 4), chaos.sample(nodes, 4)));
  sim.after(1800, () => net.heal());
  const victim = chaos.pick(nodes)!;
  sim.after(1000, () => victim.crash());
  sim.after(1700, () => victim.restart());

  await sim.runFor(4000);
  const d = net.stats.dropped;
  return {
    hash: sim.traceHash,
    events: sim.stats.eventsRun,
    delivered: net.stats.packetsDelivered,
    dropped: d.lost + d.partitioned + d.nodeDown + d.noSocket,
  };
}

test(`determinism: same seed, same trace hash; different seed, different hash (seed ${SEED})`, async () => {
  const first = await runCluster(SEED);
  const again = await runCluster(SEED);
  const other = await runCluster(SEED + 1);
  assert.ok(first.events >= 10_000, `only ${first.events} events`);
  console.log(`determinism: seed ${SEED}: ${first.events} events, hash ${first.hash}; seed ${SEED + 1}: hash ${other.hash}`);
  assert.ok(first.dropped > 0 && first.delivered > 0, 'loss and partitions actually dropped traffic');
  assert.deepEqual(again, first, `seed ${SEED} did not replay`);
  assert.notEqual(other.hash, first.hash, `seeds ${SEED} and ${SEED + 1} gave the same hash`);
});
