// The core's named operations check their invariants and that they run
// inside the node's serial task (issue 12, items 1 and 6): each check is
// driven to fail here, on one node built directly on in-memory parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, seededRandom } from '@shoal/kit';
import { bootstrapCluster } from '../bootstrap.js';
import { testConfig } from '../config.js';
import { ServerSuffrage } from '../configuration.js';
import { RaftInvariantError } from '../errors.js';
import type { FSM } from '../fsm.js';
import { Raft } from '../raft.js';
import { InmemSnapshotStore } from '../storage/inmem-snapshot.js';
import { InmemStore } from '../storage/inmem-store.js';
import { InmemNetwork } from '../transport/inmem-transport.js';
import type { RaftCore } from './core.js';

const nullFsm: FSM = {
  apply: () => undefined,
  snapshot: () => ({ persist: async (sink) => sink.close(), release: () => {} }),
  restore: async (source) => source.close(),
};

/** One started node; with `voters`, bootstrapped with that many servers (it is the first). */
async function node(options: { exact?: boolean; voters?: number } = {}): Promise<{ raft: Raft; core: RaftCore; clock: ManualClock }> {
  const clock = new ManualClock();
  const network = new InmemNetwork(clock);
  const transport = network.add('addr-a');
  const store = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  const config = testConfig('a');
  const voters = options.voters ?? 3;
  const servers = ['a', 'b', 'c', 'd', 'e'].slice(0, voters).map((id) => ({ id, address: `addr-${id}`, suffrage: ServerSuffrage.Voter }));
  await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers } });
  const raft = await Raft.create({ config, fsm: nullFsm, logs: store, stable: store, snapshots, transport, clock, random: seededRandom(1), exactTaskChecks: options.exact ?? true });
  return { raft, core: raft.internals, clock };
}

function isInvariant(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => err instanceof RaftInvariantError && err.code === 'ERR_RAFT_INVARIANT' && pattern.test(err.message);
}

test('every operation refuses to run outside the serial task', async () => {
  const { raft, core } = await node();
  const outside: [string, () => unknown][] = [
    ['setLeader', () => core.setLeader('x', 'y')],
    ['touchContact', () => core.touchContact()],
    ['becomeFollower', () => core.becomeFollower()],
    ['recordLastLog', () => core.recordLastLog(1, 1)],
    ['recordSnapshot', () => core.recordSnapshot(0, 0)],
    ['advanceCommit', () => core.advanceCommit(0)],
    ['recordRestored', () => core.recordRestored(0)],
    ['setLatestConfiguration', () => core.setLatestConfiguration({ servers: [] }, 0)],
  ];
  for (const [name, call] of outside) assert.throws(call, isInvariant(new RegExp(`${name} outside the node's serial task`)), name);
  await assert.rejects(core.adoptTerm(5), isInvariant(/adoptTerm outside/));
  await assert.rejects(core.recordVote(core.currentTerm, new Uint8Array(1)), isInvariant(/recordVote outside/));
  // The same calls are fine inside a task.
  await core.serial.run(() => core.setLeader('', ''));
  await raft.shutdown();
});

test('exact checking catches a continuation of an earlier task; the default check does not', async () => {
  for (const exact of [true, false]) {
    const { raft, core } = await node({ exact });
    let release: () => void = () => {};
    const later = new Promise<void>((resolve) => (release = resolve));
    let escaped: Promise<void> | undefined;
    // A task that leaves work behind it (a bug of the kind the check exists for).
    await core.serial.run(() => {
      escaped = later.then(() => core.setLeader('ghost', 'ghost'));
    });
    // Run the stale continuation while a newer task is running.
    await core.serial.run(async () => {
      release();
      await escaped!.then(
        () => assert.equal(exact, false, 'only the default check lets it through'),
        (err: unknown) => {
          assert.equal(exact, true);
          assert.ok(isInvariant(/setLeader outside/)(err));
        },
      );
    });
    await raft.shutdown();
  }
});

test('terms never go back', async () => {
  const { raft, core } = await node();
  await core.serial.run(() => core.adoptTerm(4));
  assert.equal(core.currentTerm, 4);
  await assert.rejects(core.serial.run(() => core.adoptTerm(3)), isInvariant(/term must not decrease \(4 -> 3\)/));
  await core.serial.run(() => core.adoptTerm(4));
  assert.equal(core.currentTerm, 4, 'adopting the same term is a no-op');
  await assert.rejects(core.serial.run(() => core.recordVote(3, new Uint8Array(1))), isInvariant(/vote recorded for term 3, current term is 4/));
  await raft.shutdown();
});

test('the commit index never goes back and never passes the entries held; applied never passes commit', async () => {
  const { raft, core } = await node();
  // The bootstrap entry is index 1.
  assert.equal(core.lastLogIndex, 1);
  await assert.rejects(core.serial.run(() => core.advanceCommit(2)), isInvariant(/commit index 2 beyond the entries we hold \(1\)/));
  await core.serial.run(() => core.advanceCommit(1));
  await assert.rejects(core.serial.run(() => core.advanceCommit(0)), isInvariant(/commit index must not decrease \(1 -> 0\)/));
  await assert.rejects(core.serial.run(() => core.recordRestored(2)), isInvariant(/applied index 2 beyond commit index 1/));
  await raft.shutdown();
});

test('snapshots never go back; log entries are never newer than the current term', async () => {
  const { raft, core } = await node();
  await core.serial.run(() => core.adoptTerm(3));
  await core.serial.run(() => core.recordLastLog(10, 3));
  await core.serial.run(() => core.recordSnapshot(8, 3));
  await assert.rejects(core.serial.run(() => core.recordSnapshot(7, 3)), isInvariant(/snapshot index must not decrease \(8 -> 7\)/));
  await assert.rejects(core.serial.run(() => core.recordLastLog(11, 4)), isInvariant(/log entry term 4 is ahead of the current term 3/));
  await raft.shutdown();
});

test('truncation never drops committed entries', async () => {
  const { raft, core } = await node();
  await core.serial.run(() => core.adoptTerm(2));
  await core.serial.run(() => core.recordLastLog(6, 2));
  await core.serial.run(() => core.advanceCommit(4));
  await assert.rejects(core.serial.run(() => core.recordTruncation(3, 1)), isInvariant(/truncation to 3 would drop committed entries \(commit 4\)/));
  await assert.rejects(core.serial.run(() => core.recordTruncation(7, 2)), isInvariant(/past the end of the log/));
  await core.serial.run(() => core.recordTruncation(4, 2));
  assert.equal(core.lastLogIndex, 4);
  await raft.shutdown();
});

test('a leader never overwrites its own log', async () => {
  const { raft, core, clock } = await node({ voters: 1 });
  for (let i = 0; i < 100 && raft.state !== 'Leader'; i++) await clock.advanceAsync(10);
  assert.equal(raft.state, 'Leader');
  await raft.barrier();
  const last = core.lastLogIndex;
  await assert.rejects(core.serial.run(() => core.recordTruncation(last - 1, core.currentTerm)), isInvariant(/a leader never overwrites its own log/));
  await raft.shutdown();
});

test('the leader never overwrites its log: a shorter last index stops it', async () => {
  const { raft, core, clock } = await node({ voters: 1 });
  for (let i = 0; i < 100 && raft.state !== 'Leader'; i++) await clock.advanceAsync(10);
  await raft.barrier();
  const failures: string[] = [];
  core.onInvariantFailure((err) => failures.push(err.message));
  // Through runTask, as timers and RPC answers do: the node stops and the listener hears why.
  core.runTask(() => core.recordLastLog(core.lastLogIndex - 1, core.currentTerm));
  await core.serial.drain();
  assert.equal(raft.state, 'Shutdown');
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /a leader never overwrites its own log/);
  await raft.shutdown();
});

test('the heartbeat fast path runs outside the task, and only for the current term as a follower', async () => {
  const { raft, core, clock } = await node();
  const term = core.currentTerm;
  clock.advanceTo(clock.now() + 5);
  assert.equal(core.noteLeaderContact(term + 1, 'addr-b', 'b'), false, 'another term goes through the queue');
  assert.equal(core.leaderAddr, '');
  assert.equal(core.noteLeaderContact(term, 'addr-b', 'b'), true);
  assert.equal(core.leaderAddr, 'addr-b');
  assert.equal(core.lastContact, clock.now());
  await raft.shutdown();
});

test('state is loaded only at start-up, and a node starts once', async () => {
  const { raft, core } = await node();
  assert.throws(() => core.load({ term: 9, lastLogIndex: 0, lastLogTerm: 0, snapshot: undefined }), isInvariant(/only at start-up/));
  assert.throws(() => core.start(), isInvariant(/a node starts once/));
  await raft.shutdown();
});
