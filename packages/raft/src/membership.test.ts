// Membership (spec §6): add/remove voters and non-voters, demote, remove the
// leader, prevIndex checks, non-voter behaviour, removed servers not disrupting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerSuffrage } from './configuration.js';
import { ConfigurationError, RaftShutdownError } from './errors.js';
import { TestCluster, text } from './testing/cluster.js';
import { Observer } from './observer.js';

test('addVoter joins a fresh server; it receives the log and then votes', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 41 });
  const leader = await c.waitForLeader();
  for (let i = 0; i < 5; i++) await leader.raft.apply(text(`m${i}`));
  const joiner = await c.addNode('node3');
  const { index } = await leader.raft.addVoter('node3', joiner.addr);
  assert.ok(index > 0);
  await c.waitForReplication(5);
  const cfg = await joiner.raft.getConfiguration();
  assert.equal(cfg.configuration.servers.length, 4);
  assert.equal(cfg.index, index);
  assert.equal(leader.raft.stats().num_peers, '3');
  // With four voters, the leader needs two followers: losing two stalls commits.
  await c.shutdown();
});

test('addNonvoter replicates to a server that never votes nor campaigns', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 42 });
  const leader = await c.waitForLeader();
  const learner = await c.addNode('learner');
  await leader.raft.addNonvoter('learner', learner.addr);
  await leader.raft.apply(text('for the learner'));
  await c.waitForReplication(1);
  const cfg = await leader.raft.getConfiguration();
  assert.equal(cfg.configuration.servers.find((s) => s.id === 'learner')!.suffrage, ServerSuffrage.Nonvoter);
  // Cut the learner off: it must not start elections, so its term stays put.
  const term = learner.raft.currentTerm();
  c.disconnect('learner');
  await c.advance(2000);
  assert.equal(learner.raft.state, 'Follower');
  assert.equal(learner.raft.currentTerm(), term);
  c.heal();
  // Losing the learner does not matter to commitment; losing a voter does not either (2 of 3 remain).
  await c.crash(c.followers().find((f) => f.id !== 'learner')!.id);
  await leader.raft.apply(text('still commits'));
  await c.shutdown();
});

test('demoteVoter turns a voter into a non-voter', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 43 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const victim = c.followers()[0]!;
  await leader.raft.demoteVoter(victim.id);
  const cfg = await leader.raft.getConfiguration();
  assert.equal(cfg.configuration.servers.find((s) => s.id === victim.id)!.suffrage, ServerSuffrage.Nonvoter);
  assert.equal(leader.raft.stats().num_peers, '1');
  await c.waitFor(() => victim.raft.internals.configurations.latestIndex === cfg.index, 'the demoted server to learn');
  await c.shutdown();
});

test('removeServer of a follower: it stops receiving the log and does not disrupt the cluster', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 44 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const victim = c.followers()[0]!;
  const observer = new Observer({ filter: (o) => o.data.type === 'peer' });
  leader.raft.registerObserver(observer);
  await leader.raft.removeServer(victim.id);
  const peerEvent = observer.poll();
  assert.deepEqual(peerEvent?.data, { type: 'peer', removed: true, peer: { id: victim.id, address: victim.addr, suffrage: ServerSuffrage.Voter } });
  const term = leader.raft.currentTerm();
  await leader.raft.apply(text('after removal'));
  await c.advance(1000);
  assert.equal(victim.fsm.logs.length, 0, 'removed server got no new commands');
  assert.equal(leader.raft.state, 'Leader');
  assert.equal(leader.raft.currentTerm(), term, 'no disruptive elections');
  await c.shutdown();
});

test('removing the leader makes it step down (shutdownOnRemove) and the rest elect a new one', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 45 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await leader.raft.removeServer(leader.id);
  await c.waitFor(() => leader.raft.state === 'Shutdown', 'the removed leader to shut down');
  const leader2 = await c.waitForLeader();
  assert.notEqual(leader2.id, leader.id);
  const cfg = await leader2.raft.getConfiguration();
  assert.deepEqual(cfg.configuration.servers.map((s) => s.id).sort(), c.nodes.filter((n) => n.id !== leader.id).map((n) => n.id).sort());
  await leader2.raft.apply(text('two-node cluster'));
  await c.shutdown();
});

test('removing the leader without shutdownOnRemove leaves it a follower', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 46, config: { shutdownOnRemove: false } });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await leader.raft.removeServer(leader.id);
  await c.waitFor(() => leader.raft.state === 'Follower', 'the removed leader to step down');
  const leader2 = await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== leader.id, 'a new leader').then(() => c.leader()!);
  await leader2.raft.apply(text('x'));
  await c.advance(500);
  assert.equal(leader.raft.state, 'Follower', 'a non-voter never campaigns');
  await c.shutdown();
});

test('prevIndex guards against concurrent changes', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 47 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const { index } = await leader.raft.getConfiguration();
  const joiner = await c.addNode('node3');
  await assert.rejects(leader.raft.addNonvoter('node3', joiner.addr, { prevIndex: index + 100 }), (e: unknown) => e instanceof ConfigurationError && /Configuration changed since/.test(e.message));
  const r = await leader.raft.addNonvoter('node3', joiner.addr, { prevIndex: index });
  await assert.rejects(leader.raft.addVoter('node3', joiner.addr, { prevIndex: index }), /Configuration changed since/);
  await leader.raft.addVoter('node3', joiner.addr, { prevIndex: r.index });
  await c.shutdown();
});

test('changes that would leave no voter are refused', async () => {
  const c = await TestCluster.create({ nodes: 1, seed: 48 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await assert.rejects(leader.raft.demoteVoter(leader.id), /Need at least one voter/);
  await c.shutdown();
});

test('changes queue behind an uncommitted one (one change at a time)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 49 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const a = await c.addNode('a');
  const b = await c.addNode('b');
  const [ra, rb] = await Promise.all([leader.raft.addNonvoter('a', a.addr), leader.raft.addNonvoter('b', b.addr)]);
  assert.ok(rb.index > ra.index);
  // Each entry was appended only after the previous configuration committed.
  const entries = leader.store.entries().filter((e) => e.index === ra.index || e.index === rb.index);
  assert.equal(entries.length, 2);
  await c.shutdown();
});

test('a configuration change times out while a quorum is missing', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 50 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  for (const f of c.followers()) c.disconnect(f.id);
  const p = leader.raft.addNonvoter('z', 'addr-z', { timeoutMs: 20 });
  const started = c.sim.now();
  let settledAt = -1;
  p.catch(() => (settledAt = c.sim.now()));
  await c.advance(30);
  // The entry was appended (the configuration was stable) but cannot commit: unknown outcome, in time.
  await assert.rejects(p, (e: unknown) => (e as { code?: string }).code === 'ERR_APPLY_TIMEOUT');
  assert.ok(settledAt - started <= 20);
  await c.shutdown();
  await assert.rejects(leader.raft.addVoter('q', 'q'), RaftShutdownError);
});

test('a server that restarts learns its configuration from the log', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 51 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const joiner = await c.addNode('node3');
  await leader.raft.addVoter('node3', joiner.addr);
  await c.waitFor(() => joiner.raft.internals.configurations.latest.servers.length === 4, 'the joiner to learn');
  await c.crash('node3');
  const back = await c.restart('node3');
  assert.equal(back.raft.internals.configurations.latest.servers.length, 4);
  await c.shutdown();
});
