// Go raft 1.1.2 servers, one per process on loopback, driven through the
// protocol `shoal raft` shares (interop/harness/raft-node-process.ts): the
// harness itself, before any shoal server joins them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { freeLoopbackPorts, startRaftNode, type RaftNodeProcess } from '../harness/raft-node-process.js';
import { eventually } from '../harness/event-log.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const missing = goMissingReason(['raft', 'raft-boltdb']);
const skip = missing !== undefined;
const title = (what: string): string => (missing ? `${what} (skipped: ${missing})` : what);

/**
 * Snapshots often and keeps few entries behind them, so a server that was
 * down for 40 commands can only catch up by InstallSnapshot (and Restore).
 */
const SNAPSHOTS = { snapshotThreshold: 16, trailingLogs: 8, snapshotIntervalMs: 100 };

/** Snapshots in a FileSnapshotStore directory, by name: TERM-INDEX-MS. */
function snapshotsIn(dir: string): { name: string; index: number }[] {
  return readdirSync(join(dir, 'snapshots')).filter((name) => !name.endsWith('.tmp')).map((name) => ({ name, index: Number(name.split('-')[1]) }));
}

test(title('go raft-node: bad arguments print one line and exit 2'), { skip, timeout: 300_000 }, async () => {
  const bin = await buildGoProgram('raft-node', 'raft-node');
  const base = ['--id', 'a', '--bind', '127.0.0.1:1', '--dir', '/tmp/x'];
  for (const args of [[], [...base, '--bootstrap', 'nonsense'], ['--frobnicate'], [...base, '--apply-timeout-ms', '0'], [...base, '--tls-ca', 'ca.pem']]) {
    const run = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 2, `exit status for ${JSON.stringify(args)}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one stderr line for ${JSON.stringify(args)}: ${run.stderr}`);
    assert.equal(run.stdout, '');
  }
});

test(title('go raft-node: three Go servers elect, replicate, transfer, survive a SIGKILLed leader, snapshot, add and remove a fourth'), { skip, timeout: 60_000 }, async (t: TestContext) => {
  // Build first (cached by source hash) so the clock below measures raft.
  await buildGoProgram('raft-node', 'raft-node');
  const began = Date.now();
  let last = began;
  const step = (what: string): void => {
    const now = Date.now();
    t.diagnostic(`${what}: ${now - last} ms (total ${now - began} ms)`);
    last = now;
  };

  const root = mkdtempSync(join(tmpdir(), 'shoal-go-raft-'));
  const ports = await freeLoopbackPorts(4);
  const peers = ['g1', 'g2', 'g3'].map((id, i) => ({ id, addr: `127.0.0.1:${ports[i]}` }));
  const nodes: RaftNodeProcess[] = [];
  try {
    nodes.push(...await Promise.all(peers.map((p) => startRaftNode({ impl: 'go', id: p.id, bind: p.addr, dir: join(root, p.id), bootstrap: peers, ...SNAPSHOTS }))));
    assert.deepEqual(nodes.map((n) => n.addr), peers.map((p) => p.addr));
    step('started 3');

    const first = await agreedLeader(nodes);
    step(`elected ${first.id}`);

    // 50 applies in flight at once through the leader; the log order is the index order.
    const commands = Array.from({ length: 50 }, (_, i) => `cmd-${i} ${'x'.repeat(i)}`);
    const indexes = await Promise.all(commands.map((c) => first.apply(c)));
    assert.equal(new Set(indexes).size, 50, 'every apply got its own index');
    const applied = commands.map((c, i) => ({ c, index: indexes[i]! })).sort((a, b) => a.index - b.index).map((e) => e.c);
    const states = await converged(nodes, 50, digestOf(applied));
    assert.ok(states.every((s) => s.applied_index >= Math.max(...indexes) && s.commit_index >= s.applied_index && s.last_index >= s.applied_index));
    step('50 applies on every server, digests equal');

    // A follower refuses applies: only the leader takes them.
    const follower = nodes.find((n) => n !== first)!;
    await assert.rejects(follower.apply('not-here'), /not the leader/);

    await first.transfer();
    const second = await agreedLeader(nodes);
    assert.notEqual(second.id, first.id, 'transfer moved leadership');
    assert.ok(second.leaderEvents.at(-1)!.term > first.leaderEvents.find((e) => e.leader === first.id)!.term, 'in a later term');
    step(`transfer ${first.id} -> ${second.id}`);

    // Crash the leader; the other two elect one of themselves and go on without it.
    const crash = await second.kill('SIGKILL');
    assert.equal(crash.signal, 'SIGKILL');
    const survivors = nodes.filter((n) => n !== second);
    const third = await agreedLeader(survivors);
    step(`SIGKILL ${second.id} -> ${third.id}`);
    const crashedAt = Math.max(...indexes);
    for (let i = 0; i < 40; i++) applied.push(`after-crash-${i}`);
    for (const c of applied.slice(50)) await third.apply(c);
    // The leader has compacted past what the crashed server holds (its last
    // index is crashedAt plus a no-op or two from the leader changes).
    const compactedPast = crashedAt + SNAPSHOTS.trailingLogs + 5;
    await eventually(() => {
      const newest = Math.max(0, ...snapshotsIn(join(root, third.id)).map((s) => s.index));
      return { ok: newest > compactedPast, detail: `${third.id}'s newest snapshot at ${newest}` };
    }, 5000, `${third.id} to snapshot past index ${compactedPast}`, 50);
    step(`40 applies on ${third.id}, compacted`);

    // The crashed server comes back on its directory (no second bootstrap)
    // and catches up from the leader's snapshot.
    const stderrBefore = second.stderr.length;
    await second.restart();
    await converged(nodes, 90, digestOf(applied));
    assert.match(second.stderr.slice(stderrBefore), /Installed remote snapshot/);
    await agreedLeader(nodes);
    step(`${second.id} restarted and caught up by InstallSnapshot`);

    // The snapshot op takes one now, on a follower.
    const snapper = nodes.find((n) => n !== third)!;
    const before = new Set(snapshotsIn(join(root, snapper.id)).map((s) => s.name));
    await snapper.snapshot();
    assert.ok(snapshotsIn(join(root, snapper.id)).some((s) => !before.has(s.name)), 'a new snapshot directory');
    step(`snapshot op on ${snapper.id}`);

    // A fourth server starts with an empty directory and no bootstrap: it has
    // nothing to snapshot (1.1.2 refuses only then) until it is added.
    const g4addr = `127.0.0.1:${ports[3]}`;
    const g4 = await startRaftNode({ impl: 'go', id: 'g4', bind: g4addr, dir: join(root, 'g4'), ...SNAPSHOTS });
    nodes.push(g4);
    await assert.rejects(g4.snapshot(), /nothing new to snapshot/);
    await third.addVoter('g4', g4addr);
    await converged(nodes, 90, digestOf(applied));
    await g4.waitForLeader((e) => e.leader === third.id, 5000, third.id);
    applied.push('with-four');
    await third.apply('with-four');
    await converged(nodes, 91, digestOf(applied));
    step('g4 added and caught up');

    await third.remove('g4');
    applied.push('without-four');
    await third.apply('without-four');
    const three = nodes.filter((n) => n !== g4);
    await converged(three, 92, digestOf(applied));
    const g4state = await g4.state();
    assert.ok(g4state.applied <= 91, `g4 no longer replicated to (applied ${g4state.applied}, state ${g4state.state})`);
    step(`g4 removed (its state: ${g4state.state})`);

    // SIGTERM is a clean shutdown.
    const exit = await g4.kill('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
  } catch (error) {
    for (const n of nodes) t.diagnostic(`${n.id} stderr tail:\n${n.stderr.slice(-2000)}`);
    throw error;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
    step('stopped');
  }
});
