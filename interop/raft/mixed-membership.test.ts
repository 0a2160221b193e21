// Membership changes across kinds: a Go leader adds a shoal voter, a shoal
// leader adds a Go voter and a shoal voter, a shoal leader removes a Go server
// and a Go leader removes a shoal server; every remaining server's
// configuration says so and replication carries on among them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, commands, wireArgs } from '../harness/raft-cluster.js';
import { freeLoopbackPorts, startRaftNode, type RaftImpl, type RaftNodeProcess } from '../harness/raft-node-process.js';
import { eventually } from '../harness/event-log.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
const ELECTION_MS = 30_000;
const CONVERGE_MS = 30_000;
const CHANGE_MS = 30_000;

/** Waits until every node's configuration lists exactly `voters` (ids), all as voters. */
async function configurationIs(nodes: readonly RaftNodeProcess[], voters: readonly string[]): Promise<void> {
  const want = [...voters].sort().join(',');
  await eventually(async () => {
    const seen = await Promise.all(nodes.map(async (n) => (await n.configuration(5000)).map((s) => `${s.id}${s.suffrage === 'voter' ? '' : `(${s.suffrage})`}`).sort().join(',')));
    return { ok: seen.every((s) => s === want), detail: nodes.map((n, i) => `${n.id}: ${seen[i]}`).join('; ') };
  }, CONVERGE_MS, `configuration ${want}`, 200);
}

test(`add_voter and remove across kinds: Go adds shoal, shoal adds Go, shoal removes Go, Go removes shoal${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t: TestContext) => {
  await buildGoProgram('raft-node', 'raft-node');
  const began = Date.now();
  const { root, cleanup } = clusterRoot('raft-mixed-membership');
  const nodes: RaftNodeProcess[] = [];
  const ports = await freeLoopbackPorts(4);
  const start = async (id: string, impl: RaftImpl, port: number, bootstrap: boolean): Promise<RaftNodeProcess> => {
    const addr = `127.0.0.1:${port}`;
    const node = await startRaftNode({ impl, id, bind: addr, dir: join(root, id), bootstrap: bootstrap ? [{ id, addr }] : undefined, extraArgs: wireArgs(impl) });
    nodes.push(node);
    return node;
  };
  const applied: string[] = [];
  /** Applies a batch through `leader` and waits for the `members` to hold everything so far. */
  const replicate = async (leader: RaftNodeProcess, members: RaftNodeProcess[], label: string): Promise<void> => {
    applied.push(...await applyAll(leader, commands(label, 20)));
    await converged(members, applied.length, digestOf(applied), CONVERGE_MS);
    t.diagnostic(`${label}: ${members.map((n) => n.id).join(',')} hold ${applied.length} commands after ${Date.now() - began} ms`);
  };
  try {
    const g1 = await start('g1', 'go', ports[0]!, true);
    const s1 = await start('s1', 'shoal', ports[1]!, false);
    const g2 = await start('g2', 'go', ports[2]!, false);
    const s2 = await start('s2', 'shoal', ports[3]!, false);
    assert.equal(await agreedLeader([g1], ELECTION_MS), g1);
    await replicate(g1, [g1], 'alone');

    await g1.addVoter(s1.id, s1.addr, CHANGE_MS);
    await configurationIs([g1, s1], ['g1', 's1']);
    await replicate(g1, [g1, s1], 'go-added-shoal');

    await g1.transfer(s1.id, s1.addr, 20_000);
    assert.equal(await agreedLeader([g1, s1], ELECTION_MS), s1);
    await s1.addVoter(g2.id, g2.addr, CHANGE_MS);
    await s1.addVoter(s2.id, s2.addr, CHANGE_MS);
    await configurationIs([g1, s1, g2, s2], ['g1', 's1', 'g2', 's2']);
    await replicate(s1, [g1, s1, g2, s2], 'shoal-added-go-and-shoal');

    await s1.remove(g1.id, CHANGE_MS);
    await configurationIs([s1, g2, s2], ['s1', 'g2', 's2']);
    await g1.stop();
    await replicate(s1, [s1, g2, s2], 'shoal-removed-go');

    await s1.transfer(g2.id, g2.addr, 20_000);
    assert.equal(await agreedLeader([s1, g2, s2], ELECTION_MS), g2);
    await g2.remove(s1.id, CHANGE_MS);
    await configurationIs([g2, s2], ['g2', 's2']);
    await s1.stop();
    await replicate(g2, [g2, s2], 'go-removed-shoal');
    // Two voters left: a commit needs both, so the shoal server is a working member.
    assert.equal(await agreedLeader([g2, s2], ELECTION_MS), g2);
  } finally {
    await cleanup(nodes);
  }
});
