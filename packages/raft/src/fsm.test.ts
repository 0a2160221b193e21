// The FSM contract: ordered applies, BatchingFSM, ConfigurationStore, async
// applies and snapshots, thrown errors as responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, seededRandom } from '@shoal/kit';
import { bootstrapCluster } from './bootstrap.js';
import { testConfig } from './config.js';
import { ServerSuffrage } from './configuration.js';
import type { BatchingFSM, FSMSnapshot } from './fsm.js';
import { InmemSnapshotStore } from './storage/inmem-snapshot.js';
import { InmemStore } from './storage/inmem-store.js';
import { InmemNetwork } from './transport/inmem-transport.js';
import type { Log } from './log.js';
import { LogType } from './log.js';
import { Raft } from './raft.js';
import type { SnapshotSink, SnapshotSource } from './storage/snapshot.js';
import { Simulation } from '@shoal/sim';
import { TestCluster, text } from './testing/cluster.js';

class BatchFsm implements BatchingFSM {
  batches: Log[][] = [];
  applied: string[] = [];
  async applyBatch(logs: Log[]): Promise<unknown[]> {
    this.batches.push(logs);
    return logs.map((l) => {
      if (l.type === LogType.Configuration) return 'config';
      const t = fromUtf8(l.data);
      this.applied.push(t);
      return t.toUpperCase();
    });
  }
  apply(): unknown {
    throw new Error('a batching FSM gets batches');
  }
  snapshot(): FSMSnapshot {
    return { persist: async (sink: SnapshotSink) => sink.close(), release: () => {} };
  }
  async restore(_source: SnapshotSource): Promise<void> {}
}

test('a BatchingFSM receives commands and configuration entries in batches, responses line up', async () => {
  const clock = new Simulation({ seed: 1 });
  const transport = new InmemNetwork(clock).add('a');
  const store = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  const config = testConfig('a');
  await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] } });
  const fsm = new BatchFsm();
  const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport, clock, random: seededRandom(3) });
  await clock.runFor(200);
  const results = await Promise.all(['x', 'y', 'z'].map((s) => raft.apply(text(s))));
  assert.deepEqual(results.map((r) => r.response), ['X', 'Y', 'Z']);
  assert.deepEqual(fsm.applied, ['x', 'y', 'z']);
  assert.ok(fsm.batches.some((b) => b.length > 1), 'several entries arrived together');
  assert.ok(fsm.batches.flat().some((l) => l.type === LogType.Configuration), 'configuration entries are included');
  assert.ok(!fsm.batches.flat().some((l) => l.type === LogType.Noop || l.type === LogType.Barrier), 'no-ops and barriers never reach the FSM');
  await raft.shutdown();
});

test('a ConfigurationStore hears of configurations; thrown errors become responses', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 121 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  assert.ok(leader.fsm.configurations.length >= 1);
  assert.equal(leader.fsm.configurations[0]!.configuration.servers.length, 3);
  const boom = new Error('fsm refused');
  leader.fsm.apply = () => {
    throw boom;
  };
  const r = await leader.raft.apply(text('bad'));
  assert.equal(r.response, boom);
  await c.shutdown();
});

test('async applies are serialised in log order', async () => {
  const c = await TestCluster.create({ nodes: 1, seed: 122 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const seen: number[] = [];
  let running = 0;
  leader.fsm.apply = async (log: Log) => {
    running++;
    assert.equal(running, 1, 'never two applies at once');
    await new Promise<void>((r) => c.sim.after(1, r));
    seen.push(log.index);
    running--;
    return log.index;
  };
  const all = Array.from({ length: 10 }, (_, i) => leader.raft.apply(text(`a${i}`)));
  const results = await c.run(Promise.all(all));
  assert.deepEqual(results.map((r) => r.response), seen);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  await c.shutdown();
});
