// InstallSnapshot across kinds: with a low snapshot threshold and few trailing
// logs on every server, a follower killed while the leader of the other kind
// applies and compacts far past it can only catch up from that leader's
// snapshot. Both directions: Go leader → shoal follower, shoal leader → Go
// follower. The follower's `restored` event for a snapshot holding more
// commands than it ever had proves the snapshot came over the wire.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, commands, startCluster } from '../harness/raft-cluster.js';
import { RaftRequestError, type RaftImpl, type RaftNodeProcess } from '../harness/raft-node-process.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
const ELECTION_MS = 30_000;
const CONVERGE_MS = 45_000;
const SNAPSHOT_THRESHOLD = 16;
const TRAILING_LOGS = 8;
/** Far more than TRAILING_LOGS: the leader's log no longer reaches back to the follower's last entry. */
const BEHIND_BY = 120;

/** A snapshot on the leader now; "nothing new" means an automatic one already covers everything applied. */
async function snapshotNow(leader: RaftNodeProcess): Promise<void> {
  try {
    await leader.snapshot(30_000);
  } catch (error) {
    if (!(error instanceof RaftRequestError) || !/nothing new to snapshot/i.test(error.serverError)) throw error;
  }
}

async function catchUpFromSnapshot(t: TestContext, nodes: RaftNodeProcess[], leader: RaftNodeProcess, followerKind: RaftImpl, applied: string[]): Promise<void> {
  const follower = nodes.find((n) => n.impl === followerKind && n !== leader)!;
  const before = (await follower.state()).applied;
  await follower.kill('SIGKILL');
  applied.push(...await applyAll(leader, commands(`while-${follower.id}-down`, BEHIND_BY)));
  await snapshotNow(leader);
  await follower.restart();
  await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);
  const restores = follower.restores;
  t.diagnostic(`${leader.impl} ${leader.id} → ${follower.impl} ${follower.id}: had ${before} commands, restored snapshots of ${JSON.stringify(restores)}, now ${applied.length}`);
  assert.ok(restores.some((n) => n > before + TRAILING_LOGS), `${follower.id} installed ${leader.id}'s snapshot (restores ${JSON.stringify(restores)}, it had ${before} commands)`);
}

test(`InstallSnapshot both ways: a shoal follower from a Go leader, a Go follower from a shoal leader${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t) => {
  await buildGoProgram('raft-node', 'raft-node');
  const { root, cleanup } = clusterRoot('raft-mixed-snapshot');
  let nodes: RaftNodeProcess[] = [];
  try {
    nodes = await startCluster([['g1', 'go'], ['g2', 'go'], ['s1', 'shoal']], root, {
      snapshotThreshold: SNAPSHOT_THRESHOLD,
      trailingLogs: TRAILING_LOGS,
      snapshotIntervalMs: 200,
    });
    let leader = await agreedLeader(nodes, ELECTION_MS);
    const applied = await applyAll(leader, commands('warm-up', 30));
    await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);

    if (leader.impl !== 'go') {
      const g1 = nodes[0]!;
      await leader.transfer(g1.id, g1.addr, 20_000);
      leader = await agreedLeader(nodes, ELECTION_MS);
    }
    assert.equal(leader.impl, 'go');
    await catchUpFromSnapshot(t, nodes, leader, 'shoal', applied);

    const shoal = nodes.find((n) => n.impl === 'shoal')!;
    await leader.transfer(shoal.id, shoal.addr, 20_000);
    assert.equal(await agreedLeader(nodes, ELECTION_MS), shoal);
    await catchUpFromSnapshot(t, nodes, shoal, 'go', applied);
  } finally {
    await cleanup(nodes);
  }
});
