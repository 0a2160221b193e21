// Replication (spec §6): 1/3/5-node replication, leader failure, behind and
// rejoining followers, log repair of a deposed leader's suffix, pipelining,
// group commit, concurrent applies, commitment rules, apply on a follower.
import { fromUtf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Commitment } from './node/commitment.js';
import { ServerSuffrage } from './configuration.js';
import { LeadershipLostError, ApplyTimeoutError } from './errors.js';
import type { Log } from './log.js';
import { LogType } from './log.js';
import { TestCluster, text } from './testing/cluster.js';

function commandTexts(entries: readonly Log[]): string[] {
  return entries.filter((e) => e.type === LogType.Command).map((e) => fromUtf8(e.data));
}

test('five servers replicate 100 commands in order', async () => {
  const c = await TestCluster.create({ nodes: 5, seed: 31 });
  const leader = await c.waitForLeader();
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => leader.raft.apply(text(`c${i}`))));
  assert.deepEqual(results.map((r) => r.response), Array.from({ length: 100 }, (_, i) => i + 1));
  await c.waitForReplication(100);
  for (const n of c.nodes) assert.deepEqual(n.fsm.texts(), Array.from({ length: 100 }, (_, i) => `c${i}`));
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('a new leader takes over when the leader fails, and keeps committed entries', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 32 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 10; i++) await leader.raft.apply(text(`a${i}`));
  await c.waitForReplication(10);
  const oldTerm = leader.raft.currentTerm();
  c.disconnect(leader.id);
  await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== leader.id, 'a new leader');
  const leader2 = c.leader()!;
  assert.ok(leader2.raft.currentTerm() > oldTerm);
  await c.waitFor(() => leader.raft.state !== 'Leader', 'the old leader to step down (lease)');
  await leader2.raft.apply(text('b0'));
  c.heal();
  await c.waitForReplication(11);
  assert.deepEqual(leader.fsm.texts().slice(-2), ['a9', 'b0']);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test("a deposed leader's uncommitted suffix is replaced (log repair)", async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 33 });
  const leader = await c.waitForLeader();
  await leader.raft.apply(text('committed'));
  await c.waitForReplication(1);
  c.partition([leader.id]);
  // These reach only the old leader's log: they cannot commit.
  const doomed = Array.from({ length: 5 }, (_, i) => leader.raft.apply(text(`doomed${i}`)));
  await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== leader.id, 'a leader in the majority');
  const leader2 = c.leader()!;
  for (let i = 0; i < 3; i++) await leader2.raft.apply(text(`new${i}`));
  for (const d of doomed) await assert.rejects(d, (e: unknown) => e instanceof LeadershipLostError || e instanceof ApplyTimeoutError);
  assert.ok(commandTexts(leader.store.entries()).includes('doomed0'), 'the old leader stored the doomed entries');
  c.heal();
  await c.waitForReplication(4);
  for (const n of c.nodes) {
    assert.deepEqual(n.fsm.texts(), ['committed', 'new0', 'new1', 'new2']);
    assert.ok(!commandTexts(n.store.entries()).includes('doomed0'), `${n.id} still holds a doomed entry`);
  }
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('a follower far behind catches up through log repair (LastLog hint)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 34, config: { maxAppendEntries: 8 } });
  const leader = await c.waitForLeader();
  const lagging = c.followers()[0]!;
  c.disconnect(lagging.id);
  for (let i = 0; i < 200; i++) await leader.raft.apply(text(`x${i}`));
  assert.equal(lagging.fsm.logs.length, 0);
  c.heal();
  await c.waitForReplication(200);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('concurrent applies are group-committed: one log write on the leader, and on each follower fewer than AppendEntries', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 35, maxInFlight: 8, environment: 'simulated' });
  const leader = await c.waitForLeader();
  await c.run(leader.raft.barrier());
  const writes = new Map<string, number>();
  for (const n of c.nodes) {
    const store = n.store;
    const original = store.storeLogs.bind(store);
    store.storeLogs = async (logs) => {
      writes.set(n.id, (writes.get(n.id) ?? 0) + 1);
      return original(logs);
    };
  }
  await c.run(Promise.all(Array.from({ length: 256 }, (_, i) => leader.raft.apply(text(`g${i}`)))));
  await c.waitForReplication(256);
  // All 256 were queued before the leader's first write: one write, sent as four AppendEntries of 64.
  assert.equal(writes.get(leader.id), 1, `${writes.get(leader.id)} log writes on the leader for 256 entries`);
  for (const n of c.nodes) {
    if (n === leader) continue;
    const w = writes.get(n.id) ?? 0;
    assert.ok(w >= 1 && w < 256 / 64, `${w} log writes on follower ${n.id} for four AppendEntries`);
  }
  await c.shutdown();
});

/** Counts pipelines opened and AppendEntries sent through them, on every transport. */
function countPipelines(c: TestCluster): { opened: number; sent: number } {
  const counts = { opened: 0, sent: 0 };
  for (const n of c.nodes) {
    const t = n.transport;
    const original = t.appendEntriesPipeline.bind(t);
    t.appendEntriesPipeline = (id, target) => {
      const p = original(id, target);
      counts.opened++;
      const send = p.appendEntries.bind(p);
      p.appendEntries = (req) => {
        counts.sent++;
        return send(req);
      };
      return p;
    };
  }
  return counts;
}

test('replication switches to pipelining once a follower is in sync', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 36, maxInFlight: 4 });
  const counts = countPipelines(c);
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await Promise.all(Array.from({ length: 200 }, (_, i) => leader.raft.apply(text(`p${i}`))));
  await c.waitForReplication(200);
  assert.ok(counts.opened >= 2, `pipelines opened: ${counts.opened}`);
  assert.ok(counts.sent >= 2 * Math.ceil(200 / 64), `pipelined requests: ${counts.sent}`);
  await c.shutdown();
});

test('maxInFlight 1 disables pipelining; replication still works', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 37, maxInFlight: 1 });
  const counts = countPipelines(c);
  const leader = await c.waitForLeader();
  for (let i = 0; i < 20; i++) await leader.raft.apply(text(`s${i}`));
  await c.waitForReplication(20);
  assert.equal(counts.sent, 0);
  await c.shutdown();
});

test('entries of an earlier term commit only through one of the current term', () => {
  // Raft §5.4.2: a leader elected at startIndex 10 cannot declare 7..9 committed by counting replicas.
  const advances: number[] = [];
  const voters = { servers: ['a', 'b', 'c'].map((id) => ({ id, address: id, suffrage: ServerSuffrage.Voter })) };
  const cm = new Commitment(voters, 10, (i) => advances.push(i));
  cm.match('a', 9);
  cm.match('b', 9);
  assert.equal(cm.commitIndex, 0, 'a quorum of 9 is not enough');
  cm.match('a', 10);
  assert.equal(cm.commitIndex, 0);
  cm.match('b', 10);
  assert.equal(cm.commitIndex, 10);
  assert.deepEqual(advances, [10]);
});

test('commitment counts only voters, and the median of matches', () => {
  const config = {
    servers: [
      { id: 'a', address: 'a', suffrage: ServerSuffrage.Voter },
      { id: 'b', address: 'b', suffrage: ServerSuffrage.Voter },
      { id: 'c', address: 'c', suffrage: ServerSuffrage.Voter },
      { id: 'd', address: 'd', suffrage: ServerSuffrage.Voter },
      { id: 'n', address: 'n', suffrage: ServerSuffrage.Nonvoter },
    ],
  };
  const cm = new Commitment(config, 1, () => {});
  cm.match('n', 100);
  assert.equal(cm.commitIndex, 0);
  cm.match('a', 30);
  cm.match('b', 20);
  assert.equal(cm.commitIndex, 0, 'two of four voters is not a quorum');
  cm.match('c', 10);
  assert.equal(cm.commitIndex, 10);
  cm.match('d', 25);
  assert.equal(cm.commitIndex, 20);
  // Dropping a voter recomputes at once.
  cm.setConfiguration({ servers: config.servers.filter((s) => s.id !== 'c') });
  assert.equal(cm.commitIndex, 25);
  // A single voter commits alone.
  const solo = new Commitment({ servers: [{ id: 'a', address: 'a', suffrage: ServerSuffrage.Voter }] }, 5, () => {});
  solo.match('a', 5);
  assert.equal(solo.commitIndex, 5);
});

test('a follower applies only entries the leader has committed', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 38 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const [f1, f2] = c.followers();
  c.disconnect(f2!.id);
  // f1 alone with the leader: commits need f1's ack.
  await leader.raft.apply(text('one'));
  await c.waitFor(() => f1!.fsm.logs.length === 1, 'f1 to apply');
  c.disconnect(f1!.id);
  const stuck = leader.raft.apply(text('two'), { timeoutMs: 30 });
  await c.advance(40);
  await assert.rejects(stuck, ApplyTimeoutError);
  assert.deepEqual(f1!.fsm.texts(), ['one']);
  assert.deepEqual(leader.fsm.texts(), ['one'], 'the leader does not apply what it cannot commit');
  await c.shutdown();
});
