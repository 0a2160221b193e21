// Elections and pre-vote (spec §6 "pre-vote"): partitioned servers rejoining
// without disrupting the leader, vote handler rules, leader stickiness.
import { utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestPreVoteRequest, RequestVoteRequest } from './commands.js';
import { handleRequestPreVote, handleRequestVote } from './node/election.js';
import { ServerSuffrage } from './configuration.js';
import { TestCluster } from './testing/cluster.js';

function voteReq(c: TestCluster, from: string, term: number, lastLogIndex: number, lastLogTerm: number, transfer = false): RequestVoteRequest {
  const addr = utf8(c.node(from).addr);
  return { protocolVersion: 3, id: utf8(from), addr, term, candidate: addr, lastLogIndex, lastLogTerm, leadershipTransfer: transfer };
}

function preVoteReq(c: TestCluster, from: string, term: number, lastLogIndex: number, lastLogTerm: number): RequestPreVoteRequest {
  return { protocolVersion: 3, id: utf8(from), addr: utf8(c.node(from).addr), term, lastLogIndex, lastLogTerm };
}

test('with pre-vote, a partitioned server rejoins without raising the term or deposing the leader', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 101 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const loner = c.followers()[0]!;
  const term = leader.raft.currentTerm();
  c.disconnect(loner.id);
  await c.advance(2000);
  assert.equal(loner.raft.currentTerm(), term, 'pre-votes fail, so the term never moves');
  c.heal();
  await c.advance(500);
  assert.equal(leader.raft.state, 'Leader');
  assert.equal(leader.raft.currentTerm(), term);
  await c.shutdown();
});

test('without pre-vote, the rejoining server forces a new election (the disruption pre-vote prevents)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 102, config: { preVoteDisabled: true } });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const loner = c.followers()[0]!;
  const term = leader.raft.currentTerm();
  c.disconnect(loner.id);
  await c.advance(2000);
  assert.ok(loner.raft.currentTerm() > term + 5, 'the isolated server keeps campaigning');
  c.heal();
  await c.waitFor(() => (c.leader()?.raft.currentTerm() ?? 0) > term, 'a new term after rejoining');
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('a voter that knows a leader refuses votes (but not for a leadership transfer)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 103 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.advance(100);
  const [f1, f2] = c.followers();
  const core = f1!.raft.internals;
  const term = core.currentTerm;
  const r1 = await core.serial.run(() => handleRequestVote(core, voteReq(c, f2!.id, term + 1, core.lastLogIndex, core.lastLogTerm)));
  assert.equal(r1.granted, false);
  assert.equal(core.currentTerm, term, 'a refused vote does not touch the term');
  const r2 = await core.serial.run(() => handleRequestVote(core, voteReq(c, f2!.id, term + 1, core.lastLogIndex, core.lastLogTerm, true)));
  assert.equal(r2.granted, true);
  assert.equal(core.currentTerm, term + 1);
  await c.shutdown();
});

test('vote rules: older term, stale log, one vote per term, unknown candidate', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 104 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  // Forget the leader so stickiness does not hide the other rules.
  await c.crash(leader.id);
  await c.advance(300);
  const voter = c.nodes.find((n) => n.up)!;
  const other = c.nodes.find((n) => n.up && n.id !== voter.id)!;
  const core = voter.raft.internals;
  await core.serial.run(() => core.setLeader('', ''));
  const t = core.currentTerm + 5;
  const last = core.lastLogIndex;
  const lastTerm = core.lastLogTerm;
  const vote = (req: RequestVoteRequest) => core.serial.run(async () => {
    core.setLeader('', '');
    return handleRequestVote(core, req);
  });
  assert.equal((await vote(voteReq(c, other.id, 1, last, lastTerm))).granted, false, 'older term');
  assert.equal((await vote(voteReq(c, other.id, t, last - 1, lastTerm))).granted, false, 'shorter log, same last term');
  assert.equal((await vote(voteReq(c, other.id, t, last + 10, lastTerm - 1))).granted, false, 'older last term');
  const unknown: RequestVoteRequest = { ...voteReq(c, other.id, t, last, lastTerm), id: utf8('stranger') };
  assert.equal((await vote(unknown)).granted, false, 'not in the configuration');
  assert.equal((await vote(voteReq(c, other.id, t, last, lastTerm))).granted, true);
  assert.equal((await vote(voteReq(c, other.id, t, last, lastTerm))).granted, true, 'same candidate again: still granted');
  assert.equal((await vote(voteReq(c, leader.id, t, last + 5, lastTerm))).granted, false, 'one vote per term');
  assert.equal(await core.readUint64('LastVoteTerm'), t);
  await c.shutdown();
});

test('pre-vote rules: grants change nothing; the same checks apply', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 105 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.crash(leader.id);
  await c.advance(300);
  const voter = c.nodes.find((n) => n.up)!;
  const other = c.nodes.find((n) => n.up && n.id !== voter.id)!;
  const core = voter.raft.internals;
  const pre = (req: RequestPreVoteRequest) => core.serial.run(async () => {
    core.setLeader('', '');
    return handleRequestPreVote(core, req);
  });
  const term = core.currentTerm;
  const voteTerm = await core.readUint64('LastVoteTerm');
  const r = await pre(preVoteReq(c, other.id, term + 1, core.lastLogIndex, core.lastLogTerm));
  assert.equal(r.granted, true);
  assert.equal(core.currentTerm, term, 'a pre-vote never changes the term');
  assert.equal(await core.readUint64('LastVoteTerm'), voteTerm, 'nor records a vote');
  assert.equal((await pre(preVoteReq(c, other.id, term - 1, core.lastLogIndex, core.lastLogTerm))).granted, false);
  assert.equal((await pre(preVoteReq(c, other.id, term + 1, core.lastLogIndex, core.lastLogTerm - 1))).granted, false);
  await c.shutdown();
});

// Go's preElectSelf: an error containing "unexpected command" (a peer that
// predates pre-vote) counts as a grant at the proposed term, and runCandidate
// steps down only for a term above the proposed one. Comparing with the
// current term instead made every such grant a "newer term": the candidate
// stepped down, its term crept up by one per timeout, and no election ran.
test('a peer without pre-vote ("unexpected command") counts as a grant and the election goes ahead', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 107 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const term = leader.raft.currentTerm();
  for (const n of c.followers()) {
    n.raft.internals.transport.requestPreVote = () => Promise.reject(new Error('rpc error: unexpected command'));
  }
  await c.crash(leader.id);
  const next = await c.waitForLeader();
  assert.notEqual(next.id, leader.id);
  assert.ok(next.raft.currentTerm() > term);
  for (const n of c.up) assert.ok(n.raft.currentTerm() <= next.raft.currentTerm(), `${n.id} never ran ahead of the elected term`);
  assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
  await c.shutdown();
});

test('a non-voter never campaigns, even with no leader', async () => {
  const c = await TestCluster.create({ nodes: 3, nonVoters: 1, seed: 106 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  for (const n of c.nodes) if (n.id !== 'node2') await c.crash(n.id);
  const learner = c.node('node2');
  const term = learner.raft.currentTerm();
  await c.advance(3000);
  assert.equal(learner.raft.state, 'Follower');
  assert.equal(learner.raft.currentTerm(), term);
  await c.shutdown();
});

test('split votes resolve: 5 servers, many seeds, one leader per term', async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const c = await TestCluster.create({ nodes: 5, seed: 1000 + seed });
    await c.waitForLeader();
    for (let round = 0; round < 3; round++) {
      const leader = c.leader()!;
      await c.crash(leader.id);
      await c.waitFor(() => c.leader() !== undefined, `a leader after crash ${round} (seed ${1000 + seed})`);
      await c.restart(leader.id);
    }
    assert.ok(c.checker.ok, `seed ${1000 + seed}: ${JSON.stringify(c.checker.violations)}`);
    await c.shutdown();
  }
});

test('RPCs from protocol versions we cannot speak are refused with ErrUnsupportedProtocol', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 107 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  const f = c.followers()[0]!;
  const req = { ...voteReq(c, leader.id, 99, 0, 0), protocolVersion: 1 };
  await assert.rejects(leader.transport.requestVote(f.id, f.addr, req), (e: unknown) => e instanceof Error && e.message === 'operation not supported with current protocol version');
  await assert.rejects(leader.transport.requestVote(f.id, f.addr, { ...req, protocolVersion: 4 }), /operation not supported/);
  assert.equal(f.raft.currentTerm(), leader.raft.currentTerm(), 'nothing changed');
  await c.shutdown();
});

test('a vote request from a non-voter with a higher term and a log not ahead of ours is refused, but its term is adopted (Go PR #526)', async () => {
  const c = await TestCluster.create({ nodes: 3, nonVoters: 1, seed: 108 });
  const leader = await c.waitForLeader();
  await leader.raft.barrier();
  await c.crash(leader.id);
  await c.advance(300);
  const voter = c.nodes.find((n) => n.up && n.id !== 'node2')!;
  const core = voter.raft.internals;
  const term = core.currentTerm;
  const resp = await core.serial.run(async () => {
    core.setLeader('', '');
    return handleRequestVote(core, voteReq(c, 'node2', term + 3, core.lastLogIndex, core.lastLogTerm));
  });
  assert.equal(resp.granted, false);
  assert.equal(core.currentTerm, term + 3);
  assert.equal(voter.raft.state, 'Follower');
  await c.shutdown();
});

test('servers with no configuration yet vote for the one that was bootstrapped (upstream Go grants them; the tables found this)', async () => {
  const c = await TestCluster.create({ nodes: 3, seed: 109, bootstrap: false });
  const first = c.nodes[0]!;
  const configuration = { servers: c.nodes.map((n) => ({ id: n.id, address: n.address, suffrage: ServerSuffrage.Voter })) };
  await c.run(first.raft.bootstrapCluster(configuration));
  const leader = await c.waitForLeader();
  assert.equal(leader.id, first.id, 'only the bootstrapped server can campaign');
  await c.run(leader.raft.barrier());
  await c.waitFor(() => c.nodes.every((n) => n.raft.commitIndex() >= leader.raft.commitIndex()), 'the others to learn the configuration');
  await c.shutdown();
});
