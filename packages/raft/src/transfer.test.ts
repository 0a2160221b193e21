// Leadership transfer (spec §6: the ~14 Go cases, condensed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeadershipTransferInProgressError, LeadershipTransferTimeoutError } from './errors.js';
import { TestCluster, text } from './testing/cluster.js';

test('leadershipTransfer hands leadership to another voter', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 91 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 5; i++) await leader.raft.apply(text(`t${i}`));
  const term = leader.raft.currentTerm();
  await c.run(leader.raft.leadershipTransfer());
  assert.notEqual(leader.raft.state, 'Leader');
  const leader2 = await c.waitForLeader();
  assert.notEqual(leader2.id, leader.id);
  assert.ok(leader2.raft.currentTerm() > term);
  await leader2.raft.apply(text('after'));
  await c.waitForReplication(6);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('leadershipTransferToServer picks the given server', async () => {
  const c = await TestCluster.create({ nodes: 5, seed: 92 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const target = c.followers()[3]!;
  await c.run(leader.raft.leadershipTransferToServer(target.id, target.addr));
  await c.waitFor(() => target.raft.state === 'Leader', 'the target to lead');
  await c.shutdown();
});

test('a lagging target is brought up to date before TimeoutNow', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 93 });
  const leader = await c.waitForLeader();
  const target = c.followers()[0]!;
  c.disconnect(target.id);
  for (let i = 0; i < 30; i++) await leader.raft.apply(text(`l${i}`));
  c.heal();
  await c.run(leader.raft.leadershipTransferToServer(target.id, target.addr));
  await c.waitFor(() => target.raft.state === 'Leader', 'the lagging target to lead');
  assert.equal(target.fsm.logs.length >= 0, true);
  await target.raft.barrier();
  assert.equal(target.fsm.logs.length, 30, 'no committed entry lost');
  await c.shutdown();
});

test('applies and configuration changes are refused while a transfer runs', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 94 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const target = c.followers()[0]!;
  // Hold TimeoutNow so the transfer stays in progress.
  const original = leader.transport.timeoutNow.bind(leader.transport);
  let release!: () => void;
  leader.transport.timeoutNow = (id, t, req) => new Promise((r) => (release = () => r(undefined))).then(() => original(id, t, req));
  const transfer = leader.raft.leadershipTransferToServer(target.id, target.addr);
  await c.advance(1);
  await assert.rejects(leader.raft.apply(text('no')), LeadershipTransferInProgressError);
  await assert.rejects(leader.raft.addNonvoter('x', 'addr-x'), (e: unknown) => e instanceof LeadershipTransferInProgressError);
  await assert.rejects(leader.raft.leadershipTransfer(), (e: unknown) => e instanceof LeadershipTransferInProgressError && e.message === 'leadership transfer in progress');
  release();
  await c.run(transfer);
  await c.waitFor(() => target.raft.state === 'Leader', 'the target to lead');
  await c.shutdown();
});

test('a transfer to an unreachable server times out and leadership stays', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 95, transportTimeoutMs: 1000 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const target = c.followers()[0]!;
  // TimeoutNow never arrives (dropped), nothing else is disturbed.
  leader.transport.timeoutNow = () => new Promise(() => {});
  const p = leader.raft.leadershipTransferToServer(target.id, target.addr);
  const outcome = p.then(() => 'ok', (e: unknown) => e);
  await c.advance(leader.config.electionTimeoutMs + 10);
  const err = await outcome;
  assert.ok(err instanceof LeadershipTransferTimeoutError, String(err));
  assert.equal(err.message, 'leadership transfer timeout');
  assert.equal(leader.raft.state, 'Leader');
  await leader.raft.apply(text('service resumed'));
  await c.shutdown();
});

test('a transfer to a server that is not in the cluster fails', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 96 });
  const leader = await c.waitForLeader();
  await assert.rejects(leader.raft.leadershipTransferToServer('nobody', 'addr-nobody'), /cannot find replication state for nobody/);
  await c.shutdown();
});

test('a single server has nobody to transfer to', async () => {
  const c = await TestCluster.create({ nodes: 1, seed: 97 });
  const leader = await c.waitForLeader();
  await assert.rejects(leader.raft.leadershipTransfer(), /cannot find peer/);
  assert.equal(leader.raft.state, 'Leader');
  await c.shutdown();
});

test('transfer to a non-voter is refused by the target', async () => {
  const c = await TestCluster.create({ nodes: 4, nonVoters: 1, seed: 98 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const learner = c.node('node3');
  await assert.rejects(leader.raft.leadershipTransferToServer(learner.id, learner.addr), /failed to make TimeoutNow RPC to node3: node is not a voter/);
  assert.equal(leader.raft.state, 'Leader');
  await c.shutdown();
});

test('without a target, the most up-to-date voter is chosen (never a non-voter)', async () => {
  const c = await TestCluster.create({ nodes: 4, nonVoters: 1, seed: 99 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.run(leader.raft.leadershipTransfer());
  const leader2 = await c.waitForLeader();
  assert.notEqual(leader2.id, 'node3');
  await c.shutdown();
});
