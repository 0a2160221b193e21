// Mutual TLS across kinds: a Go server (interop/raft-node's TLS StreamLayer)
// and a shoal server (`shoal raft --tls-*`) with certificates from one CA
// (made by `shoal tls ca|cert`) form a cluster and replicate; a server of
// either kind whose certificate comes from another CA is added as a voter but
// never joins: the leader's handshakes with it fail, both sides log why, and
// it receives nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../harness/event-log.js';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, commands, wireArgs } from '../harness/raft-cluster.js';
import { freeLoopbackPorts, startRaftNode, type RaftImpl, type RaftNodeProcess } from '../harness/raft-node-process.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
const SHOAL_BIN = fileURLToPath(new URL('../../packages/cli/bin/shoal.js', import.meta.url));
const ELECTION_MS = 30_000;
const CONVERGE_MS = 30_000;
const LOG_MS = 30_000;

function shoal(...args: string[]): void {
  const run = spawnSync(process.execPath, [SHOAL_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `shoal ${args.join(' ')}: ${run.stderr}`);
}

/** A CA in root/<name> and, for each id, a certificate for 127.0.0.1 it signed; returns each id's --tls-* flags. */
function issue(root: string, caName: string, ids: readonly string[]): Map<string, string[]> {
  const caDir = join(root, caName);
  shoal('tls', 'ca', '--out', caDir, '--name', caName);
  const flags = new Map<string, string[]>();
  for (const id of ids) {
    shoal('tls', 'cert', '--ca-dir', caDir, '--name', id, '--ip', '127.0.0.1', '--out', join(root, 'certs'));
    flags.set(id, ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(root, 'certs', `${id}.pem`), '--tls-key', join(root, 'certs', `${id}-key.pem`)]);
  }
  return flags;
}

/** The reasons each implementation gives, on the side that dialed and on the side that accepted. */
const DIALER_REASON: Record<RaftImpl, RegExp> = {
  go: /TLS handshake with 127\.0\.0\.1:\d+ failed: x509: certificate signed by unknown authority/,
  shoal: /TLS handshake with 127\.0\.0\.1:\d+ failed: (unable to verify the first certificate|self.signed certificate|[^"]*unknown ca)/i,
};
const ACCEPTOR_REASON: Record<RaftImpl, RegExp> = {
  // Node's client checks the chain after the handshake and hangs up without a
  // TLS alert, so a Go server dialed by a shoal leader only sees EOF; the
  // reason is on the leader's side.
  go: /TLS handshake with 127\.0\.0\.1:\d+ failed: (EOF|remote error: tls: (bad certificate|unknown certificate authority))/,
  shoal: /TLS handshake with 127\.0\.0\.1:\d+ failed: [^"]*alert (bad certificate|unknown ca)/i,
};

async function logShows(node: RaftNodeProcess, pattern: RegExp, what: string): Promise<string> {
  let line = '';
  await eventually(async () => {
    line = node.stderr.split('\n').find((l) => pattern.test(l)) ?? '';
    return { ok: line !== '', detail: `${node.id} stderr tail: ${node.stderr.slice(-800)}` };
  }, LOG_MS, `${node.id} to log ${what}`, 200);
  return line;
}

test(`TLS: Go and shoal servers of one CA form a cluster; a server of either kind with another CA cannot join, and both sides say why${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t: TestContext) => {
  await buildGoProgram('raft-node', 'raft-node');
  const { root, cleanup } = clusterRoot('raft-tls');
  const nodes: RaftNodeProcess[] = [];
  try {
    const good = issue(root, 'good-ca', ['g1', 's1']);
    const bad = issue(root, 'other-ca', ['bg', 'bs']);
    const ports = await freeLoopbackPorts(4);
    const addr = (i: number): string => `127.0.0.1:${ports[i]}`;
    const members = [{ id: 'g1', addr: addr(0) }, { id: 's1', addr: addr(1) }];
    const start = async (id: string, impl: RaftImpl, i: number, tls: string[], bootstrap: boolean): Promise<RaftNodeProcess> => {
      const node = await startRaftNode({ impl, id, bind: addr(i), dir: join(root, id), bootstrap: bootstrap ? members : undefined, extraArgs: [...wireArgs(impl), ...tls] });
      nodes.push(node);
      return node;
    };
    const g1 = await start('g1', 'go', 0, good.get('g1')!, true);
    const s1 = await start('s1', 'shoal', 1, good.get('s1')!, true);
    let leader = await agreedLeader([g1, s1], ELECTION_MS);
    const applied = await applyAll(leader, commands('over-tls', 20));
    await converged([g1, s1], applied.length, digestOf(applied), CONVERGE_MS);
    t.diagnostic(`TLS cluster of g1 and s1 replicates; ${leader.id} leads`);

    // Each leader kind tries to bring in a wrong-CA server of the other kind.
    for (const leaderKind of ['go', 'shoal'] as const) {
      if (leader.impl !== leaderKind) {
        const target = leaderKind === 'go' ? g1 : s1;
        await leader.transfer(target.id, target.addr, 20_000);
        leader = await agreedLeader([g1, s1], ELECTION_MS);
        assert.equal(leader, target);
      }
      const outsider = leaderKind === 'go'
        ? await start('bs', 'shoal', 2, bad.get('bs')!, false)
        : await start('bg', 'go', 3, bad.get('bg')!, false);
      await leader.addVoter(outsider.id, outsider.addr, 30_000);
      applied.push(...await applyAll(leader, commands(`with-${outsider.id}-added`, 10)));
      await converged([g1, s1], applied.length, digestOf(applied), CONVERGE_MS);

      const dialerLine = await logShows(leader, DIALER_REASON[leader.impl], 'why the handshake failed');
      const acceptorLine = await logShows(outsider, ACCEPTOR_REASON[outsider.impl], 'why it refused the leader');
      t.diagnostic(`${leader.impl} leader ${leader.id}: ${dialerLine.trim().slice(0, 300)}`);
      t.diagnostic(`${outsider.impl} outsider ${outsider.id}: ${acceptorLine.trim().slice(0, 300)}`);
      const state = await outsider.state();
      assert.equal(state.applied, 0, `${outsider.id} received no entries`);
      assert.equal(state.last_index, 0, `${outsider.id} has an empty log`);
      assert.ok(!outsider.leaderEvents.some((e) => e.leader !== null), `${outsider.id} never heard from a leader`);

      await leader.remove(outsider.id, 30_000);
      await outsider.stop();
    }
    applied.push(...await applyAll(leader, commands('after-removals', 10)));
    await converged([g1, s1], applied.length, digestOf(applied), CONVERGE_MS);
  } finally {
    await cleanup(nodes);
  }
});
