// Mixed clusters of Go raft 1.1.2 (interop/raft-node) and `shoal raft` on wire
// 1.1, one server per process: in 2 Go + 1 shoal and in 1 Go + 2 shoal a
// leader is elected, leadership moves Go→shoal and shoal→Go by transfer and by
// SIGKILL of the leader, commands applied through every leader reach every
// server with equal digests, and each killed leader restarts on its directory
// and catches up.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, commands, startCluster } from '../harness/raft-cluster.js';
import type { RaftImpl, RaftNodeProcess } from '../harness/raft-node-process.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
/** Elections after a SIGKILL take 1–2 heartbeat timeouts (1 s in both); the rest is headroom for a loaded machine. */
const ELECTION_MS = 30_000;
const CONVERGE_MS = 30_000;

interface Cluster {
  nodes: RaftNodeProcess[];
  applied: string[];
  t: TestContext;
  began: number;
}

/** Applies a batch through `leader` and waits for every running server to hold all commands so far. */
async function replicateThrough(c: Cluster, leader: RaftNodeProcess, label: string): Promise<void> {
  c.applied.push(...await applyAll(leader, commands(`${label}-via-${leader.id}`, 20)));
  await converged(c.nodes.filter((n) => n.running), c.applied.length, digestOf(c.applied), CONVERGE_MS);
  c.t.diagnostic(`${label}: ${leader.impl} ${leader.id} leads; ${c.applied.length} commands on every running server after ${Date.now() - c.began} ms`);
}

/** Hands leadership from `leader` to a server of kind `to` and checks every server agrees on it. */
async function transferTo(c: Cluster, leader: RaftNodeProcess, to: RaftImpl): Promise<RaftNodeProcess> {
  const target = c.nodes.find((n) => n.impl === to && n !== leader && n.running)!;
  await leader.transfer(target.id, target.addr, 20_000);
  const next = await agreedLeader(c.nodes.filter((n) => n.running), ELECTION_MS);
  assert.equal(next, target, `transfer ${leader.impl}→${to} made ${target.id} leader`);
  await replicateThrough(c, next, `transfer ${leader.impl}→${to}`);
  return next;
}

/**
 * SIGKILLs `leader`, waits for the survivors to elect one of kind `expected`
 * (undefined: either), replicates through it, then restarts the killed server
 * on its directory and waits for it to catch up.
 */
async function killLeader(c: Cluster, leader: RaftNodeProcess, expected: RaftImpl | undefined): Promise<RaftNodeProcess> {
  const crash = await leader.kill('SIGKILL');
  assert.equal(crash.signal, 'SIGKILL');
  const next = await agreedLeader(c.nodes.filter((n) => n.running), ELECTION_MS);
  if (expected !== undefined) assert.equal(next.impl, expected, `after SIGKILL of ${leader.impl} leader ${leader.id}`);
  await replicateThrough(c, next, `SIGKILL ${leader.impl} ${leader.id}→${next.impl}`);
  await leader.restart();
  await converged(c.nodes, c.applied.length, digestOf(c.applied), CONVERGE_MS);
  c.t.diagnostic(`${leader.impl} ${leader.id} restarted on its directory and caught up after ${Date.now() - c.began} ms`);
  return agreedLeader(c.nodes, ELECTION_MS);
}

/** Leadership through every move the composition allows, ending with the leader of `majority` kind killed and the other's. */
async function leadershipTour(t: TestContext, kinds: [string, RaftImpl][], label: string): Promise<void> {
  await buildGoProgram('raft-node', 'raft-node');
  const { root, cleanup } = clusterRoot(label);
  const c: Cluster = { nodes: [], applied: [], t, began: Date.now() };
  try {
    c.nodes = await startCluster(kinds, root);
    let leader = await agreedLeader(c.nodes, ELECTION_MS);
    t.diagnostic(`elected ${leader.impl} ${leader.id} after ${Date.now() - c.began} ms`);
    await replicateThrough(c, leader, 'first leader');

    // By transfer: to Go first if a shoal server leads, so both directions run.
    if (leader.impl === 'shoal') leader = await transferTo(c, leader, 'go');
    leader = await transferTo(c, leader, 'shoal');
    leader = await transferTo(c, leader, 'go');

    // By SIGKILL: with two servers of one kind left after the crash, the new
    // leader's kind is certain; with one of each, either may win.
    const goCount = c.nodes.filter((n) => n.impl === 'go').length;
    leader = await killLeader(c, leader, goCount === 1 ? 'shoal' : undefined);
    if (leader.impl !== 'shoal') leader = await transferTo(c, leader, 'shoal');
    leader = await killLeader(c, leader, goCount === 2 ? 'go' : undefined);
    await replicateThrough(c, leader, 'final');
  } finally {
    await cleanup(c.nodes);
  }
}

test(`2 Go + 1 shoal: leadership moves Go→shoal and shoal→Go by transfer and by SIGKILL, every leader replicates to all${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t) => {
  await leadershipTour(t, [['g1', 'go'], ['g2', 'go'], ['s1', 'shoal']], 'raft-2go1shoal');
});

test(`1 Go + 2 shoal: leadership moves Go→shoal and shoal→Go by transfer and by SIGKILL, every leader replicates to all${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t) => {
  await leadershipTour(t, [['g1', 'go'], ['s1', 'shoal'], ['s2', 'shoal']], 'raft-1go2shoal');
});
