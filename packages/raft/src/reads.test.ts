// Lease, barrier, verifyLeader and linearizable reads (spec §6 families
// "lease" and "barrier and verifyLeader", plus readIndex beyond Go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeadershipLostError, NotLeaderError, ReadTimeoutError } from './errors.js';
import { TestCluster, text } from './testing/cluster.js';

test('a leader cut off from the quorum steps down within the lease timeout', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 71 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const changes: boolean[] = [];
  void (async () => {
    for await (const v of leader.raft.leadershipChanges()) changes.push(v);
  })();
  c.partition([leader.id]);
  const start = c.sim.now();
  await c.waitFor(() => leader.raft.state !== 'Leader', 'the isolated leader to step down');
  const took = c.sim.now() - start;
  assert.ok(took <= 2 * leader.config.leaderLeaseTimeoutMs + 10, `stepped down after ${took} ms`);
  assert.deepEqual(changes, [false]);
  await c.shutdown();
});

test('a leader with a quorum keeps leading indefinitely', async () => {
  const c = await TestCluster.create({ nodes: 5, seed: 72 });
  const leader = await c.waitForLeader();
  const term = leader.raft.currentTerm();
  c.disconnect(c.followers()[0]!.id);
  c.disconnect(c.followers()[1]!.id);
  await c.advance(3000);
  assert.equal(leader.raft.state, 'Leader');
  assert.equal(leader.raft.currentTerm(), term);
  await c.shutdown();
});

test('barrier resolves only after every earlier entry is applied', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 73 });
  const leader = await c.waitForLeader();
  const applies = Array.from({ length: 20 }, (_, i) => leader.raft.apply(text(`b${i}`)));
  await leader.raft.barrier();
  assert.equal(leader.fsm.logs.length, 20);
  await Promise.all(applies);
  await c.shutdown();
});

test('barrier times out without a quorum', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 74 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  c.partition([leader.id]);
  const p = leader.raft.barrier({ timeoutMs: 10 });
  const outcome = p.then(() => 'resolved', (e: unknown) => (e as { code?: string }).code);
  await c.advance(20);
  assert.equal(await outcome, 'ERR_APPLY_TIMEOUT');
  await c.shutdown();
});

test('verifyLeader succeeds on a leader with a quorum, on a single node at once', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 75 });
  const leader = await c.waitForLeader();
  await leader.raft.verifyLeader();
  await c.shutdown();
  const one = await TestCluster.create({ nodes: 1, seed: 75 });
  const solo = await one.waitForLeader();
  await solo.raft.verifyLeader();
  await one.shutdown();
});

test('verifyLeader fails on a partitioned leader (lost leadership or timeout)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 76 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  c.partition([leader.id]);
  const p = leader.raft.verifyLeader();
  const outcome = p.then(() => 'ok', (e: unknown) => e);
  await c.advance(200);
  const err = await outcome;
  assert.ok(err instanceof LeadershipLostError, String(err));
  const p2 = leader.raft.verifyLeader();
  await assert.rejects(p2, NotLeaderError);
  await c.shutdown();
});

test('verifyLeader counts only answers to heartbeats sent after it started', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 77 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  // Hold every answer to the leader: answers to earlier messages must not count.
  const held: (() => void)[] = [];
  const original = leader.transport.appendEntries.bind(leader.transport);
  let hold = true;
  leader.transport.appendEntries = (id, target, req) =>
    original(id, target, req).then((r) => (hold ? new Promise((resolve) => held.push(() => resolve(r))) : r));
  await c.advance(15);
  const inflightBefore = held.length;
  assert.ok(inflightBefore >= 2, `answers held before verify: ${inflightBefore}`);
  let verified = false;
  const p = leader.raft.verifyLeader().then(() => (verified = true));
  await c.advance(1);
  // Release only answers to messages sent before verifyLeader began.
  for (const release of held.splice(0, inflightBefore)) release();
  await c.advance(0);
  assert.equal(verified, false, 'stale answers confirmed leadership');
  hold = false;
  for (const release of held.splice(0)) release();
  await c.advance(20);
  await p;
  assert.equal(verified, true);
  await c.shutdown();
});

test('readIndex returns an index the FSM has applied, after confirming leadership', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 78 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 5; i++) await leader.raft.apply(text(`w${i}`));
  const r = await leader.raft.readIndex();
  assert.equal(r.viaLease, false);
  assert.ok(r.index >= leader.raft.commitIndex() - 0);
  assert.ok(leader.raft.appliedIndex() >= r.index);
  assert.equal(leader.fsm.logs.length, 5);
  await assert.rejects(c.followers()[0]!.raft.readIndex(), NotLeaderError);
  await c.shutdown();
});

test('readIndex on a fresh leader waits for its no-op to commit', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 79 });
  const leader = await c.waitForLeader();
  const core = leader.raft.internals;
  const startIndex = core.leader!.commitment.startIndex;
  const r = await leader.raft.readIndex();
  assert.ok(r.index >= startIndex, `read index ${r.index} must include the no-op at ${startIndex}`);
  await c.shutdown();
});

test('readIndex times out on a partitioned leader', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 80 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  c.partition([leader.id]);
  const p = leader.raft.readIndex({ timeoutMs: 10 });
  const outcome = p.then(() => undefined, (e: unknown) => e);
  await c.advance(15);
  assert.ok((await outcome) instanceof ReadTimeoutError);
  await c.shutdown();
});

test('lease reads answer without a heartbeat round while the lease holds, and not after', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 81, config: { leaseReads: true } });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.advance(20);
  const r = await leader.raft.readIndex({ lease: true });
  assert.equal(r.viaLease, true);
  // Isolated, the lease runs out (heartbeatTimeout * (1 - drift) after the last acknowledged send).
  c.partition([leader.id]);
  const cut = c.sim.now();
  const expiry = leader.raft.internals.leader!.leaseExpiry();
  const bound = leader.config.heartbeatTimeoutMs * (1 - leader.config.maxClockDriftRatio);
  assert.ok(expiry > cut && expiry <= cut + bound, `lease expiry ${expiry - cut} ms after the cut, bound ${bound}`);
  await c.advance(leader.config.heartbeatTimeoutMs);
  if (leader.raft.state === 'Leader') {
    const p = leader.raft.readIndex({ lease: true, timeoutMs: 5 });
    const outcome = p.then((x) => x, (e: unknown) => e);
    await c.advance(10);
    const got = await outcome;
    assert.ok(!(typeof got === 'object' && got !== null && 'viaLease' in got && got.viaLease), 'served a lease read after the lease expired');
  }
  await c.shutdown();
});

test('lease reads are off unless configured; a leadership transfer revokes the lease', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 82 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.advance(20);
  assert.equal((await leader.raft.readIndex({ lease: true })).viaLease, false);
  await c.shutdown();
  const c2 = await TestCluster.create({ nodes: 3, seed: 83, config: { leaseReads: true } });
  const leader2 = await c2.waitForLeader();
  await leader2.raft.barrier();
  await c2.advance(20);
  assert.equal((await leader2.raft.readIndex({ lease: true })).viaLease, true);
  leader2.raft.internals.leader!.revokeLease();
  assert.equal((await leader2.raft.readIndex({ lease: true })).viaLease, false);
  await c2.shutdown();
});

test('a restarted server refuses votes for one heartbeat timeout (lease safety)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 84, config: { leaseReads: true } });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const f = c.followers()[0]!;
  await c.crash(f.id);
  const back = await c.restart(f.id);
  const core = back.raft.internals;
  assert.ok(core.voteQuietUntil > c.sim.now());
  await c.advance(200);
  assert.equal(leader.raft.state, 'Leader');
  await c.shutdown();
});

test('a deposed leader that has not noticed yet cannot serve a read-index read', async () => {
  // The old leader keeps a long lease; the others time out fast and elect a new leader.
  const c = await TestCluster.create({ nodes: 3, seed: 85, config: { heartbeatTimeoutMs: 10, electionTimeoutMs: 10, leaderLeaseTimeoutMs: 10 } });
  const first = await c.waitForLeader();
  await first.raft.barrier();
  const slowConfig = { ...first.raft.reloadableConfig(), heartbeatTimeoutMs: 200, electionTimeoutMs: 200 };
  // Only reloadable fields can change at runtime; the lease stays 10 ms, so widen it through the config object.
  first.raft.reloadConfig(slowConfig);
  first.raft.internals.config.leaderLeaseTimeoutMs = 200;
  await first.raft.apply(text('old'));
  await c.waitForReplication(1);
  c.partition([first.id]);
  await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== first.id, 'a new leader in the majority', 1000);
  const second = c.leader()!;
  await second.raft.apply(text('new'));
  assert.equal(first.raft.state, 'Leader', 'the old leader has not noticed yet');
  const read = first.raft.readIndex({ timeoutMs: 20 });
  const outcome = read.then((r) => r, (e: unknown) => e);
  await c.advance(25);
  assert.ok((await outcome) instanceof ReadTimeoutError, 'the read must not complete without a quorum');
  await c.shutdown();
});

test('lease reads rely on equal heartbeat timeouts: a leader assuming a longer one can read stale data', async () => {
  // The documented clock assumption, shown to matter: same set-up as above, with a lease read.
  const c = await TestCluster.create({ nodes: 3, seed: 85, config: { heartbeatTimeoutMs: 10, electionTimeoutMs: 10, leaderLeaseTimeoutMs: 10, leaseReads: true } });
  const first = await c.waitForLeader();
  await first.raft.barrier();
  first.raft.reloadConfig({ ...first.raft.reloadableConfig(), heartbeatTimeoutMs: 200, electionTimeoutMs: 200 });
  first.raft.internals.config.leaderLeaseTimeoutMs = 200;
  await c.advance(2);
  await first.raft.apply(text('old'));
  await c.waitForReplication(1);
  c.partition([first.id]);
  await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== first.id, 'a new leader in the majority', 1000);
  await c.leader()!.raft.apply(text('new'));
  const r = await first.raft.readIndex({ lease: true });
  assert.equal(r.viaLease, true, 'the misconfigured leader still believes in its lease');
  assert.deepEqual(first.fsm.texts(), ['old'], 'and would serve a stale read: hence the equal-timeouts requirement');
  await c.shutdown();
});

test('waitApplied resolves on a follower once its FSM applies the index, not before; at once for an index applied already', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 82 });
  const leader = await c.waitForLeader();
  await leader.raft.apply(text('first'));
  const follower = c.followers()[0]!;
  await c.waitFor(() => follower.raft.appliedIndex() >= leader.raft.appliedIndex(), 'the follower to catch up');
  const applied = follower.raft.appliedIndex();
  let early = false;
  await follower.raft.waitApplied(applied).then(() => (early = true));
  assert.equal(early, true, 'an index applied already');
  c.disconnect(follower.id);
  await leader.raft.apply(text('second'));
  const target = leader.raft.appliedIndex();
  let reached = false;
  const wait = follower.raft.waitApplied(target).then(() => (reached = true));
  await c.advance(50);
  assert.equal(reached, false, 'resolved before the follower applied the entry');
  c.heal();
  await c.waitFor(() => reached, 'the follower to apply the entry');
  await wait;
  assert.ok(follower.raft.appliedIndex() >= target);
  await c.shutdown();
});
