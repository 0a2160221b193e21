// Crash and restart across kinds: in a cluster of 2 Go and 2 shoal servers, a
// Go follower and then a shoal follower are SIGKILLed while applies are in
// flight; every acknowledged apply survives, and each restarts on its
// directory, catches up, and holds the same digest as the rest.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, commands, startCluster } from '../harness/raft-cluster.js';
import type { RaftImpl, RaftNodeProcess } from '../harness/raft-node-process.js';
import { eventually } from '../harness/event-log.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
const ELECTION_MS = 30_000;
const CONVERGE_MS = 45_000;

async function crashFollowerMidWrites(t: TestContext, nodes: RaftNodeProcess[], leader: RaftNodeProcess, kind: RaftImpl, applied: string[]): Promise<void> {
  const victim = nodes.find((n) => n.impl === kind && n !== leader)!;
  const before = (await victim.state()).last_index;
  // Kill it once a third of the batch is acknowledged, the rest still in flight.
  const batch = commands(`during-${victim.id}-crash`, 120);
  let acked = 0;
  const writes = batch.map((c) => leader.apply(c).then((index) => (acked++, { c, index })));
  await eventually(async () => ({ ok: acked >= batch.length / 3, detail: `${acked} acknowledged` }), CONVERGE_MS, 'a third of the batch acknowledged', 5);
  const crash = await victim.kill('SIGKILL');
  assert.equal(crash.signal, 'SIGKILL');
  t.diagnostic(`${victim.id} SIGKILLed with ${acked} of ${batch.length} applies acknowledged`);
  applied.push(...(await Promise.all(writes)).sort((a, b) => a.index - b.index).map((w) => w.c));
  // More while it is down, so it has something to catch up on for certain.
  applied.push(...await applyAll(leader, commands(`while-${victim.id}-down`, 20)));
  await converged(nodes.filter((n) => n !== victim), applied.length, digestOf(applied), CONVERGE_MS);
  await victim.restart();
  const restarted = await victim.state();
  assert.ok(restarted.last_index >= before, `${victim.id} kept its log across the crash (last index ${before} → ${restarted.last_index})`);
  await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);
  t.diagnostic(`${kind} follower ${victim.id}: last index ${before} before the batch, restarted at ${restarted.last_index}, caught up to ${applied.length} commands`);
}

test(`a SIGKILLed Go follower and a SIGKILLed shoal follower restart on their directories and catch up${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t) => {
  await buildGoProgram('raft-node', 'raft-node');
  const { root, cleanup } = clusterRoot('raft-mixed-restart');
  let nodes: RaftNodeProcess[] = [];
  try {
    nodes = await startCluster([['g1', 'go'], ['g2', 'go'], ['s1', 'shoal'], ['s2', 'shoal']], root);
    const leader = await agreedLeader(nodes, ELECTION_MS);
    const applied = await applyAll(leader, commands('before', 30));
    await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);
    await crashFollowerMidWrites(t, nodes, leader, 'go', applied);
    await crashFollowerMidWrites(t, nodes, leader, 'shoal', applied);
    assert.equal(await agreedLeader(nodes, ELECTION_MS), leader, 'follower crashes never moved leadership');
  } finally {
    await cleanup(nodes);
  }
});
