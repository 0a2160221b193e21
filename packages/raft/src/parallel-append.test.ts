// config.parallelAppend on the simulator: the leader's replicators send new
// entries while its own write runs, so followers hold them before the leader
// does; commitment still counts the leader only once its copy is durable, so
// every acknowledged write survives the leader's disk failing or hanging.
// The difference from the default is visible: an entry whose write hangs or
// fails on the leader can still be committed by the followers, and the
// leader answers it as soon as they have. Each test prints its seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromUtf8 } from '@shoal/kit';
import { LogType } from './log.js';
import { faultyDiskPerServer } from './testing/faulty-disks.js';
import type { FaultyFileSystem } from './testing/faulty-fs.js';
import type { ClusterServer } from './testing/cluster-server.js';
import { TestCluster, text } from './testing/cluster.js';
import type { MockFSM } from './testing/mock-fsm.js';

async function cluster(seed: number, parallelAppend: boolean): Promise<{ c: TestCluster; disks: Map<string, FaultyFileSystem> }> {
  console.log(`parallel-append seed ${seed} (parallelAppend ${parallelAppend})`);
  const { disks, wrapFileSystem } = faultyDiskPerServer();
  const c = await TestCluster.create({
    nodes: 3,
    seed,
    environment: 'simulated',
    config: { parallelAppend },
    wrapFileSystem,
  });
  return { c, disks };
}

function commandsInLog(server: ClusterServer<MockFSM>): string[] {
  return server.store
    .entries()
    .filter((e) => e.type === LogType.Command)
    .map((e) => fromUtf8(e.data));
}

async function applyAll(c: TestCluster, leader: ClusterServer<MockFSM>, commands: readonly string[]): Promise<string[]> {
  for (const command of commands) await c.run(leader.raft.apply(text(command), { timeoutMs: 1000 }));
  return [...commands];
}

/** Every acknowledged command applied by every server, once, in order. */
function assertAllHold(c: TestCluster, acked: readonly string[], seed: number): void {
  for (const server of c.nodes) {
    const applied = server.fsm.texts();
    assert.deepEqual(applied.filter((t) => acked.includes(t)), acked, `${server.id} lost or reordered acknowledged writes (seed ${seed})`);
    assert.equal(new Set(applied).size, applied.length, `${server.id} applied a command twice (seed ${seed})`);
  }
}

for (const seed of [451, 452, 453]) {
  test(`parallelAppend: followers hold an entry while the leader's sync hangs; it is committed and answered without it, no acknowledged write is lost (seed ${seed})`, async () => {
    const { c, disks } = await cluster(seed, true);
    const leader = await c.waitForLeader();
    const config = leader.config;
    const acked = await applyAll(c, leader, Array.from({ length: 10 }, (_, i) => `before${i}`));
    await c.waitForReplication(acked.length);

    const rule = disks.get(leader.id)!.stall({ op: ['sync', 'datasync'] });
    let answered = false;
    const stuck = leader.raft.apply(text('stuck')).then((r) => ((answered = true), r));
    stuck.catch(() => undefined);
    const followers = c.nodes.filter((n) => n !== leader);
    // Within the lease the leader still speaks: its replicators send the entry its own disk has not stored.
    await c.waitFor(() => followers.every((f) => commandsInLog(f).includes('stuck')), 'the followers to hold the stalled entry', config.leaderLeaseTimeoutMs);
    // Durable on a quorum (the followers): committed, and answered while the leader's own sync still hangs.
    await c.waitFor(() => answered, 'the leader to answer the entry the followers committed', config.leaderLeaseTimeoutMs);
    assert.ok(!commandsInLog(leader).includes('stuck'), 'the leader stored the entry despite the stall');
    acked.push('stuck');

    await c.waitFor(() => c.leader() !== undefined && c.leader()!.id !== leader.id, 'a leader other than the stalled one', 10 * config.electionTimeoutMs);
    const leader2 = c.leader()!;
    acked.push(...(await applyAll(c, leader2, Array.from({ length: 10 }, (_, i) => `after${i}`))));
    rule.disable();
    await c.waitFor(() => leader.raft.state === 'Follower', 'the stalled leader to step down', 1000);
    await c.run(stuck);
    await c.waitForReplication(acked.length, 5000);
    // Applied everywhere, once, in order, before the later writes.
    assertAllHold(c, acked, seed);
    assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
    await c.shutdown();
  });
}

test('without parallelAppend the followers never see an entry while the leader cannot store it (seed 454)', async () => {
  const { c, disks } = await cluster(454, false);
  const leader = await c.waitForLeader();
  await applyAll(c, leader, ['before']);
  await c.waitForReplication(1);
  const rule = disks.get(leader.id)!.stall({ op: ['sync', 'datasync'] });
  const stuck = leader.raft.apply(text('stuck'));
  stuck.catch(() => undefined);
  await c.advance(leader.config.leaderLeaseTimeoutMs);
  for (const f of c.nodes) assert.ok(!commandsInLog(f).includes('stuck'), `${f.id} holds an entry its leader never stored`);
  rule.disable();
  await c.shutdown();
});

// The write fails at its datasync (the WAL then refuses everything until it
// is reopened: a restart) or at its writev (the WAL cuts the group off and
// goes on: the old leader follows on, its commit index past its log's end
// until the new leader's entries fill it in).
for (const [seed, op] of [
  [455, 'datasync'],
  [456, 'writev'],
  [457, 'writev'],
] as const) {
  test(`parallelAppend: the leader answers what the followers committed, then its own ${op} fails; it steps down past its log's end and catches up (seed ${seed})`, async () => {
    const { c, disks } = await cluster(seed, true);
    const leader = await c.waitForLeader();
    const acked = await applyAll(c, leader, Array.from({ length: 5 }, (_, i) => `before${i}`));
    await c.waitForReplication(acked.length);
    // The leader's own write takes long and then fails: the followers' acknowledgements come first.
    const slow = disks.get(leader.id)!.slow({ op, path: 'wal' }, leader.config.leaderLeaseTimeoutMs / 2);
    const eio = disks.get(leader.id)!.fail({ op, path: 'wal' }, 'EIO');
    const result = await c.run(leader.raft.apply(text('early'), { timeoutMs: 1000 }));
    acked.push('early');
    assert.ok(!commandsInLog(leader).includes('early'), 'answered before the leader stored it');
    await c.waitFor(() => leader.raft.state !== 'Leader', 'the leader to step down on its failed write', 1000);
    const internals = leader.raft.internals;
    assert.ok(internals.commitIndex >= result.index, 'its commit index keeps what it answered');
    assert.ok(internals.commitIndex > internals.lastLogIndex, `commit ${internals.commitIndex} past the log's end ${internals.lastLogIndex}`);
    slow.disable();
    eio.disable();
    if (op === 'datasync') {
      await c.crash(leader.id);
      await c.restart(leader.id);
    }
    await c.waitFor(() => c.leader() !== undefined, 'a leader', 5000);
    acked.push(...(await applyAll(c, c.leader()!, ['after'])));
    await c.waitForReplication(acked.length, 5000);
    assertAllHold(c, acked, seed);
    assert.ok(c.checker.ok, JSON.stringify(c.checker.violations));
    await c.shutdown();
  });
}
