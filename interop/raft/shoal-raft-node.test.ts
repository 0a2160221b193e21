// `shoal raft` servers, one per process on loopback, driven through the
// protocol interop/raft-node (Go raft 1.1.2) speaks: its arguments, three
// shoal servers, a mixed cluster of two Go servers and one shoal server on
// wire 1.1 (the mixed-*.test.ts files go further), and --apply-timeout-ms.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { applyAll, clusterRoot, startCluster } from '../harness/raft-cluster.js';
import type { RaftNodeProcess } from '../harness/raft-node-process.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOAL_BIN = join(ROOT, 'packages/cli/bin/shoal.js');

/** Runs `shoal raft ARGS` to its exit (each start loads the whole CLI: seconds on a loaded machine). */
async function shoalRaft(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SHOAL_BIN, 'raft', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

test('shoal raft: bad arguments print one line and exit 2; `raft log` still dispatches', { timeout: 90_000 }, async () => {
  const base = ['--id', 'a', '--bind', '127.0.0.1:1', '--dir', '/tmp/x'];
  const cases = [[], [...base, '--bootstrap', 'nonsense'], ['--frobnicate'], [...base, '--wire', '2'], [...base, '--apply-timeout-ms', '0'],
    [...base, '--apply-timeout-ms', 'soon'], [...base, '--tls-ca', 'ca.pem'], ['--id', 'a', '--bind', 'nowhere', '--dir', '/tmp/x']];
  // Two at a time: the machine has two cores.
  for (let at = 0; at < cases.length; at += 2) {
    const batch = cases.slice(at, at + 2);
    const runs = await Promise.all(batch.map((args) => shoalRaft(args)));
    runs.forEach((run, i) => {
      const args = JSON.stringify(batch[i]);
      assert.equal(run.status, 2, `exit status for ${args}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one stderr line for ${args}: ${run.stderr}`);
      assert.match(run.stderr, /^shoal raft: /);
      assert.equal(run.stdout, '');
    });
  }
  const log = await shoalRaft(['log']);
  assert.equal(log.status, 2);
  assert.match(log.stderr, /^shoal raft log: missing --dir/);
});

test('shoal raft: three shoal servers (writing their logs on the main thread) elect, replicate 50 applies, survive a SIGKILLed leader, and the restarted one catches up', { timeout: 60_000 }, async (t: TestContext) => {
  const began = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'shoal-raft-node-'));
  let nodes: RaftNodeProcess[] = [];
  try {
    // As the bench runs them; a SIGKILL must lose nothing an inline write acknowledged.
    nodes = await startCluster([['s1', 'shoal'], ['s2', 'shoal'], ['s3', 'shoal']], root, { extraArgs: ['--inline-log-writes'] });
    const first = await agreedLeader(nodes);
    t.diagnostic(`elected ${first.id} after ${Date.now() - began} ms`);
    assert.equal(first.leaderEvents.at(-1)!.addr, first.addr, 'leader events carry the address');

    const applied = await applyAll(first, Array.from({ length: 50 }, (_, i) => `cmd-${i} ${'x'.repeat(i)}`));
    await converged(nodes, 50, digestOf(applied));

    const follower = nodes.find((n) => n !== first)!;
    const refused = await follower.request('apply', { data: 'not-here' });
    assert.equal(refused.ok, false);

    const crash = await first.kill('SIGKILL');
    assert.equal(crash.signal, 'SIGKILL');
    const survivors = nodes.filter((n) => n !== first);
    const second = await agreedLeader(survivors);
    assert.notEqual(second.id, first.id);
    t.diagnostic(`SIGKILL ${first.id} -> ${second.id} after ${Date.now() - began} ms`);
    for (let i = 0; i < 20; i++) applied.push(`after-crash-${i}`);
    for (const c of applied.slice(50)) await second.apply(c);

    await first.restart();
    await converged(nodes, 70, digestOf(applied));
    t.diagnostic(`restarted ${first.id} caught up after ${Date.now() - began} ms`);

    const exits = await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    assert.deepEqual(exits.map((e) => e.code), [0, 0, 0], 'SIGTERM exits 0');
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  }
});

const missing = goMissingReason(['raft', 'raft-boltdb']);

test(`mixed cluster: 2 Go + 1 shoal on wire 1.1 elect a leader, replicate, and replicate again with the shoal server leading${missing ? ` (skipped: ${missing})` : ''}`, { skip: missing !== undefined, timeout: 300_000 }, async (t: TestContext) => {
  await buildGoProgram('raft-node', 'raft-node');
  const began = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'shoal-raft-mixed-'));
  let nodes: RaftNodeProcess[] = [];
  try {
    nodes = await startCluster([['g1', 'go'], ['g2', 'go'], ['s1', 'shoal']], root);
    const leader = await agreedLeader(nodes);
    t.diagnostic(`elected ${leader.impl} ${leader.id} after ${Date.now() - began} ms`);
    const applied = await applyAll(leader, Array.from({ length: 50 }, (_, i) => `mixed-${i}`));
    await converged(nodes, 50, digestOf(applied));
    t.diagnostic(`50 applies on every server after ${Date.now() - began} ms`);

    // Leadership to the shoal server (TimeoutNow from a Go leader, or already
    // there), then applies through it reach both Go servers.
    const shoal = nodes.find((n) => n.impl === 'shoal')!;
    if (leader !== shoal) await leader.transfer(shoal.id, shoal.addr);
    assert.equal(await agreedLeader(nodes), shoal, 'the shoal server leads');
    applied.push(...await applyAll(shoal, Array.from({ length: 50 }, (_, i) => `via-shoal-${i}`)));
    await converged(nodes, 100, digestOf(applied));
    t.diagnostic(`shoal leads; 50 more applies on every server after ${Date.now() - began} ms`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  }
});

test('shoal raft: an apply that cannot commit within --apply-timeout-ms is answered with a timeout error', { timeout: 120_000 }, async (t: TestContext) => {
  const { root, cleanup } = clusterRoot('raft-apply-timeout');
  let nodes: RaftNodeProcess[] = [];
  try {
    nodes = await startCluster([['s1', 'shoal'], ['s2', 'shoal']], root, { extraArgs: ['--apply-timeout-ms', '100'] });
    // With its only follower gone the leader cannot commit; it stays leader
    // until its 500 ms lease runs out, long after the 100 ms timeout. A
    // machine stalled past the lease makes the reply "not leader" or
    // "leadership lost" instead: then try again.
    let timedOut: string | undefined;
    for (let attempt = 1; attempt <= 3 && timedOut === undefined; attempt++) {
      const leader = await agreedLeader(nodes, 30_000);
      const follower = nodes.find((n) => n !== leader)!;
      await follower.kill('SIGKILL');
      const reply = await leader.request('apply', { data: `attempt-${attempt}` });
      assert.equal(reply.ok, false, 'one of two servers cannot commit');
      t.diagnostic(`attempt ${attempt}: ${reply.error}`);
      if (/apply timed out after 100 ms/.test(reply.error!)) timedOut = reply.error;
      await follower.restart();
    }
    assert.match(timedOut ?? '(never timed out)', /^apply timed out after 100 ms \(timed out waiting for log \d+ to be applied\); it may still commit$/);
  } finally {
    await cleanup(nodes);
  }
});
