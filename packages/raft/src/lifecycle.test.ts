// Lifecycle (spec §6 raft_test.go family): start/stop, shutdown, bootstrap,
// HasExistingState, GetConfiguration, RecoverCluster, stats, non-leader errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, seededRandom } from '@shoal/kit';
import { bootstrapCluster, getConfiguration, hasExistingState, recoverCluster } from './bootstrap.js';
import { testConfig } from './config.js';
import { ServerSuffrage } from './configuration.js';
import { CantBootstrapError, EnqueueTimeoutError, InvalidConfigError, NotLeaderError, RaftShutdownError, ApplyTimeoutError } from './errors.js';
import { InmemSnapshotStore } from './storage/inmem-snapshot.js';
import { InmemStore } from './storage/inmem-store.js';
import { InmemNetwork } from './transport/inmem-transport.js';
import { Raft } from './raft.js';
import { TestCluster, text } from './testing/cluster.js';
import { Simulation } from '@shoal/sim';
import { MockFSM } from './testing/mock-fsm.js';

async function singleNode(bootstrap: boolean): Promise<{ raft: Raft; clock: Simulation; store: InmemStore; fsm: MockFSM }> {
  const clock = new Simulation({ seed: 1 });
  const net = new InmemNetwork(clock);
  const transport = net.add('a');
  const store = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  const config = testConfig('a');
  if (bootstrap) {
    await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] } });
  }
  const fsm = new MockFSM();
  const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport, clock, random: seededRandom(1) });
  return { raft, clock, store, fsm };
}

test('a single bootstrapped node elects itself and applies', async () => {
  const { raft, clock, fsm } = await singleNode(true);
  assert.equal(raft.state, 'Follower');
  await clock.runFor(200);
  assert.equal(raft.state, 'Leader');
  assert.equal(raft.leader(), 'a');
  assert.deepEqual(raft.leaderWithId(), { address: 'a', id: 'a' });
  const r = await raft.apply(text('hello'));
  assert.equal(r.response, 1);
  assert.equal(r.index, 3, 'config (1), noop (2), command (3)');
  assert.deepEqual(fsm.texts(), ['hello']);
  assert.equal(raft.appliedIndex(), 3);
  await raft.shutdown();
  assert.equal(raft.state, 'Shutdown');
});

test('a node without configuration never campaigns', async () => {
  const { raft, clock } = await singleNode(false);
  await clock.runFor(2000);
  assert.equal(raft.state, 'Follower');
  assert.equal(raft.stats().last_contact, 'never');
  await raft.shutdown();
});

test('live bootstrap starts a cluster; a second bootstrap fails', async () => {
  const { raft, clock } = await singleNode(false);
  await raft.bootstrapCluster({ servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] });
  await clock.runFor(200);
  assert.equal(raft.state, 'Leader');
  await assert.rejects(raft.bootstrapCluster({ servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] }), CantBootstrapError);
  await raft.shutdown();
});

test('bootstrapCluster refuses stores with state, and bad configurations', async () => {
  const clock = new Simulation({ seed: 1 });
  const transport = new InmemNetwork(clock).add('a');
  const store = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  const config = testConfig('a');
  assert.equal(await hasExistingState(store, store, snapshots), false);
  await assert.rejects(bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers: [] } }), /Need at least one voter/);
  const configuration = { servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] };
  await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration });
  assert.equal(await hasExistingState(store, store, snapshots), true);
  await assert.rejects(bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration }), (e: unknown) => e instanceof CantBootstrapError && e.message === 'bootstrap only works on new clusters');
  assert.deepEqual(await getConfiguration({ logs: store, snapshots }), { configuration, index: 1 });
});

test('hasExistingState sees a term alone, or a snapshot alone', async () => {
  const stable = new InmemStore();
  const empty = new InmemStore();
  await stable.setUint64('CurrentTerm', 3);
  assert.equal(await hasExistingState(empty, stable, new InmemSnapshotStore()), true);
  const snaps = new InmemSnapshotStore();
  const transport = new InmemNetwork(new Simulation({ seed: 1 })).add('x');
  const sink = await snaps.create(1, 5, 1, { servers: [] }, 0, transport);
  await sink.write(new Uint8Array([1]));
  await sink.close();
  assert.equal(await hasExistingState(empty, new InmemStore(), snaps), true);
});

test('invalid configs are refused with Go messages', async () => {
  const clock = new Simulation({ seed: 1 });
  const transport = new InmemNetwork(clock).add('a');
  const store = new InmemStore();
  const base = { fsm: new MockFSM(), logs: store, stable: store, snapshots: new InmemSnapshotStore(), transport, clock };
  await assert.rejects(Raft.create({ ...base, config: { ...testConfig('a'), localId: '' } }), /LocalID cannot be empty/);
  await assert.rejects(Raft.create({ ...base, config: { ...testConfig('a'), leaderLeaseTimeoutMs: 100, heartbeatTimeoutMs: 50 } }), InvalidConfigError);
  await assert.rejects(Raft.create({ ...base, config: { ...testConfig('a'), protocolVersion: 2 } }), /ProtocolVersion/);
});

test('operations on a follower fail with NotLeaderError naming the leader', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 11 });
  const leader = await c.waitForLeader();
  await c.advance(100);
  const follower = c.followers()[0]!;
  const err = await follower.raft.apply(text('x')).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotLeaderError);
  assert.equal(err.message, 'node is not the leader');
  assert.equal(err.code, 'ERR_NOT_LEADER');
  assert.equal(err.leaderAddress, leader.addr);
  assert.equal(err.leaderId, leader.id);
  await assert.rejects(follower.raft.barrier(), NotLeaderError);
  await assert.rejects(follower.raft.verifyLeader(), NotLeaderError);
  await assert.rejects(follower.raft.addVoter('z', 'z'), NotLeaderError);
  await assert.rejects(follower.raft.leadershipTransfer(), NotLeaderError);
  await c.shutdown();
});

test('after shutdown every operation fails with RaftShutdownError; shutdown is idempotent', async () => {
  const { raft, clock } = await singleNode(true);
  await clock.runFor(200);
  await raft.shutdown();
  await raft.shutdown();
  await assert.rejects(raft.apply(text('x')), RaftShutdownError);
  await assert.rejects(raft.barrier(), RaftShutdownError);
  await assert.rejects(raft.verifyLeader(), RaftShutdownError);
  await assert.rejects(raft.snapshot(), RaftShutdownError);
  await assert.rejects(raft.getConfiguration(), RaftShutdownError);
  await assert.rejects(raft.readIndex(), RaftShutdownError);
  assert.equal(raft.stats().state, 'Shutdown');
});

test('shutdown fails entries still in flight', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 5 });
  const leader = await c.waitForLeader();
  for (const f of c.followers()) c.disconnect(f.id);
  const pending = leader.raft.apply(text('stuck'));
  await c.advance(1);
  await leader.raft.shutdown();
  await assert.rejects(pending, RaftShutdownError);
  await c.shutdown();
});

test('apply honours its timeout end to end: enqueue timeout vs unknown outcome', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 9 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  // Without a quorum the entry is appended but cannot commit: the caller still hears back in time.
  c.partition([leader.id]);
  const started = c.sim.now();
  const p = leader.raft.apply(text('lost?'), { timeoutMs: 20 });
  let settledAt = -1;
  p.catch(() => (settledAt = c.sim.now()));
  await c.advance(30);
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ApplyTimeoutError, String(err));
  assert.ok(settledAt - started <= 20, `settled after ${settledAt - started} ms`);
  // Behind a busy main queue the entry never gets an index: a definite failure.
  const q = leader.raft.internals.serial.run(() => new Promise<void>((r) => c.sim.after(40, r)));
  const p2 = leader.raft.apply(text('never'), { timeoutMs: 10 });
  await c.advance(45);
  await q;
  const err2 = await p2.then(() => undefined, (e: unknown) => e);
  assert.ok(err2 instanceof EnqueueTimeoutError, String(err2));
  assert.equal((err2 as Error).message, 'timed out enqueuing operation');
  await c.advance(5);
  assert.ok(leader.store.entries().every((e) => fromUtf8(e.data) !== 'never'), 'a timed-out entry is never appended');
  await c.shutdown();
});

test('stats reports Go keys', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 3 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const s = leader.raft.stats();
  for (const key of ['state', 'term', 'last_log_index', 'last_log_term', 'commit_index', 'applied_index', 'fsm_pending', 'last_snapshot_index', 'last_snapshot_term', 'protocol_version', 'protocol_version_min', 'protocol_version_max', 'snapshot_version_min', 'snapshot_version_max', 'latest_configuration', 'latest_configuration_index', 'num_peers', 'last_contact']) {
    assert.ok(key in s, `missing ${key}`);
  }
  assert.equal(s.state, 'Leader');
  assert.equal(s.num_peers, '2');
  assert.equal(s.last_contact, '0');
  assert.equal(s.protocol_version, '3');
  assert.match(s.latest_configuration!, /^\[\{Suffrage:Voter ID:node0 Address:addr-node0\} /);
  const f = c.followers()[0]!.raft.stats();
  assert.match(f.last_contact!, /ms$/);
  assert.equal(String(leader.raft), `Node at ${leader.addr} [Leader]`);
  await c.shutdown();
});

test('a restarted cluster recovers its state from the stores', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 21 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 5; i++) await leader.raft.apply(text(`v${i}`));
  await c.waitForReplication(5);
  for (const n of c.nodes) await c.crash(n.id);
  for (const n of c.nodes) await c.restart(n.id);
  const leader2 = await c.waitForLeader();
  await leader2.raft.apply(text('after'));
  await c.waitForReplication(6);
  assert.deepEqual(leader2.fsm.texts(), ['v0', 'v1', 'v2', 'v3', 'v4', 'after']);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('recoverCluster forces a new configuration from one survivor', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 4 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 4; i++) await leader.raft.apply(text(`r${i}`));
  await c.waitForReplication(4);
  for (const n of c.nodes) await c.crash(n.id);
  const survivor = c.nodes[0]!;
  const configuration = { servers: [{ id: survivor.id, address: survivor.addr, suffrage: ServerSuffrage.Voter }] };
  await recoverCluster({ config: survivor.config, fsm: new MockFSM(), logs: survivor.store, stable: survivor.store, snapshots: survivor.snapshots, transport: survivor.transport, configuration });
  assert.equal(await survivor.store.lastIndex(), 0, 'the log is gone');
  assert.deepEqual((await getConfiguration({ logs: survivor.store, snapshots: survivor.snapshots })).configuration, configuration);
  const n = await c.restart(survivor.id);
  await c.waitFor(() => n.raft.state === 'Leader', 'the survivor to lead alone');
  await n.raft.barrier();
  assert.deepEqual(n.fsm.texts(), ['r0', 'r1', 'r2', 'r3']);
  await n.raft.apply(text('r4'));
  assert.deepEqual(n.fsm.texts(), ['r0', 'r1', 'r2', 'r3', 'r4']);
  await c.shutdown();
});

test('recoverCluster refuses a server without state', async () => {
  const clock = new Simulation({ seed: 1 });
  const transport = new InmemNetwork(clock).add('a');
  const store = new InmemStore();
  await assert.rejects(
    recoverCluster({ config: testConfig('a'), fsm: new MockFSM(), logs: store, stable: store, snapshots: new InmemSnapshotStore(), transport, configuration: { servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] } }),
    /refused to recover cluster with no initial state/,
  );
});
