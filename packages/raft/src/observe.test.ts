// Config reload (spec §6 "config reload"), observers, leadership notifications.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError } from './errors.js';
import { Observer } from './observer.js';
import type { Observation } from './observer.js';
import { TestCluster, text } from './testing/cluster.js';

test('reloadConfig changes the reloadable fields and rejects invalid ones', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 111 });
  const leader = await c.waitForLeader();
  const before = leader.raft.reloadableConfig();
  assert.deepEqual(before, { trailingLogs: 10240, snapshotIntervalMs: 120_000, snapshotThreshold: 8192, heartbeatTimeoutMs: 50, electionTimeoutMs: 50 });
  const next = { ...before, trailingLogs: 2, snapshotThreshold: 10, snapshotIntervalMs: 50 };
  leader.raft.reloadConfig(next);
  assert.deepEqual(leader.raft.reloadableConfig(), next);
  assert.throws(() => leader.raft.reloadConfig({ ...next, heartbeatTimeoutMs: 1 }), InvalidConfigError);
  assert.throws(() => leader.raft.reloadConfig({ ...next, electionTimeoutMs: 10 }), /ElectionTimeout must be equal or greater than Heartbeat Timeout/);
  assert.deepEqual(leader.raft.reloadableConfig(), next, 'a refused reload changes nothing');
  // The new snapshot settings take effect: snapshots with 2 trailing logs.
  for (let i = 0; i < 20; i++) await leader.raft.apply(text(`r${i}`));
  await c.advance(200);
  assert.ok(leader.raft.internals.lastSnapshotIndex > 0, 'a snapshot was taken at the reloaded interval');
  const first = await leader.store.firstIndex();
  const last = await leader.store.lastIndex();
  assert.ok(last - first + 1 <= 2 + 10, `kept ${last - first + 1} entries`);
  await c.shutdown();
});

test('reloading heartbeatTimeout changes how fast followers notice a dead leader', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 112 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  for (const n of c.nodes) n.raft.reloadConfig({ ...n.raft.reloadableConfig(), heartbeatTimeoutMs: 500, electionTimeoutMs: 500 });
  await c.crash(leader.id);
  await c.advance(400);
  assert.equal(c.leader(), undefined, 'no election before the new, longer timeout');
  await c.waitForLeader(3000);
  await c.shutdown();
});

test('observers see state, leader and peer observations; filters and drops', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 113 });
  const all: Observation[] = [];
  const everything = new Observer({ blocking: true, onObservation: (o) => all.push(o) });
  const onlyLeader = new Observer({ filter: (o) => o.data.type === 'leader' });
  const tiny = new Observer({ capacity: 1 });
  for (const n of c.nodes) {
    n.raft.registerObserver(everything);
    n.raft.registerObserver(onlyLeader);
    n.raft.registerObserver(tiny);
  }
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const types = new Set(all.map((o) => o.data.type));
  for (const t of ['state', 'leader', 'peer', 'requestPreVote', 'requestVote']) assert.ok(types.has(t as Observation['data']['type']), `saw ${t}`);
  assert.ok(all.some((o) => o.raftId === leader.id && o.data.type === 'state' && o.data.state === 'Leader'));
  assert.ok(all.some((o) => o.data.type === 'leader' && o.data.leaderId === leader.id && o.data.leaderAddr === leader.addr));
  let n = 0;
  while (onlyLeader.poll() !== undefined) n++;
  assert.ok(n >= 3 && onlyLeader.numObserved === n);
  assert.equal(everything.numDropped, 0);
  assert.ok(tiny.numDropped > 0 && tiny.numObserved === tiny.numDropped + 1, 'a full non-blocking observer drops and counts');
  for (const node of c.nodes) node.raft.deregisterObserver(everything);
  const seen = all.length;
  await c.crash(leader.id);
  await c.waitForLeader();
  assert.equal(all.length, seen, 'deregistered observers get nothing');
  await c.shutdown();
});

test('failed and resumed heartbeat observations', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 114 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const events: Observation['data'][] = [];
  leader.raft.registerObserver(new Observer({ blocking: true, filter: (o) => o.data.type === 'failedHeartbeat' || o.data.type === 'resumedHeartbeat', onObservation: (o) => events.push(o.data) }));
  const f = c.followers()[0]!;
  c.disconnect(f.id);
  await c.advance(30);
  c.heal();
  await c.advance(100);
  const failed = events.find((e) => e.type === 'failedHeartbeat');
  assert.ok(failed !== undefined && failed.type === 'failedHeartbeat' && failed.peerId === f.id);
  assert.ok(failed.lastContact > 0);
  assert.ok(events.some((e) => e.type === 'resumedHeartbeat' && e.peerId === f.id));
  await c.shutdown();
});

test('observers iterate asynchronously and end at shutdown', async () => {
  const c = await TestCluster.create({ nodes: 1, seed: 115 });
  const node = c.nodes[0]!;
  const observer = new Observer({ blocking: true });
  node.raft.registerObserver(observer);
  const got: string[] = [];
  const consumer = (async () => {
    for await (const o of observer) got.push(o.data.type);
  })();
  await c.waitForLeader();
  await c.shutdown();
  await consumer;
  assert.ok(got.includes('state') && got.includes('leader'));
});

test('leadership notifications: every subscriber sees every transition; notify callback too', async () => {
  const notified: boolean[] = [];
  const c = await TestCluster.create({ nodes: 3, seed: 116, config: { notify: (v) => notified.push(v) } });
  const subs = c.nodes.map((n) => {
    const seen: boolean[] = [];
    void (async () => {
      for await (const v of n.raft.leadershipChanges()) seen.push(v);
    })();
    return seen;
  });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.run(leader.raft.leadershipTransfer());
  await c.waitForLeader();
  const idx = c.nodes.indexOf(leader);
  assert.deepEqual(subs[idx], [true, false]);
  assert.equal(notified.filter((v) => v).length, 2, 'two leaderships so far');
  assert.equal(notified.filter((v) => !v).length, 1);
  await c.shutdown();
});
