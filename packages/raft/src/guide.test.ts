// The example at the top of docs/raft.md, kept working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, utf8 } from '@shoal/kit';
import { Raft, InmemStore, InmemSnapshotStore, InmemNetwork, bootstrapCluster, testConfig, ServerSuffrage } from './index.js';
import { Simulation } from '@shoal/sim';
import { MockFSM } from './testing/index.js';

test('docs/raft.md: a cluster in one process', async () => {
  const sim = new Simulation({ seed: 1 });
  const network = new InmemNetwork(sim);
  const ids = ['a', 'b', 'c'];
  const configuration = { servers: ids.map((id) => ({ id, address: id, suffrage: ServerSuffrage.Voter })) };
  const nodes = await Promise.all(ids.map(async (id) => {
    const transport = network.add(id);
    const store = new InmemStore();
    const snapshots = new InmemSnapshotStore();
    const config = testConfig(id);
    await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration });
    return Raft.create({ config, fsm: new MockFSM(), logs: store, stable: store, snapshots, transport, clock: sim, random: seededRandom(ids.indexOf(id) + 1) });
  }));
  await sim.runFor(500);
  const leader = nodes.find((n) => n.state === 'Leader')!;
  const r = await leader.apply(utf8('hello'), { timeoutMs: 1000 });
  assert.equal(r.response, 1);
  for (const n of nodes) await n.shutdown();
});
