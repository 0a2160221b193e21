// The hung-disk leader (Go's open issue #503) on the real disk and real time:
// three servers in this process, each on its own directory through kit's
// NodeFileSystem wrapped in a FaultyFileSystem, talking over the in-memory
// transport. The leader's fsync hangs; it must go silent, the other two must
// elect a leader, and once the disk is back every acknowledged write must be
// in every server's log and state machine. Timeouts are longer than the
// simulator's so a slow real fsync on a busy machine is not taken for a stall.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Random } from '@shoal/kit';
import { createRandom, cryptoSeed, fromUtf8, InMemoryMetrics, metricKey, NodeFileSystem, realClock, sleep } from '@shoal/kit';
import { bootstrapCluster } from './bootstrap.js';
import { testConfig } from './config.js';
import type { Configuration } from './configuration.js';
import { ServerSuffrage } from './configuration.js';
import { LeadershipLostError, NotLeaderError } from './errors.js';
import { LogType } from './log.js';
import { Raft } from './raft.js';
import { FileSnapshotStore } from './storage/file-snapshot.js';
import { InspectableDiskStore } from './testing/disk-store.js';
import { FaultyFileSystem } from './testing/faulty-fs.js';
import { MockFSM } from './testing/mock-fsm.js';
import { InmemTransport } from './transport/inmem-transport.js';

const TIMEOUTS = { heartbeatTimeoutMs: 300, electionTimeoutMs: 300, leaderLeaseTimeoutMs: 200, commitTimeoutMs: 10 };

interface RealServer {
  id: string;
  raft: Raft;
  fsm: MockFSM;
  store: InspectableDiskStore;
  disk: FaultyFileSystem;
}

async function waitUntil(pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = realClock.now() + timeoutMs;
  while (!pred()) {
    if (realClock.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(realClock, 5);
  }
}

test('real disk: a leader whose fsync hangs goes silent, another is elected, no acknowledged write is lost', { timeout: 60_000 }, async () => {
  const seed = cryptoSeed();
  console.log(`disk-faults-real seed ${seed}`);
  const random: Random = createRandom(seed);
  const root = await mkdtemp(join(tmpdir(), 'shoal-disk-faults-'));
  const metrics = new InMemoryMetrics();
  const ids = ['real0', 'real1', 'real2'];
  const transports = ids.map((id) => new InmemTransport(`addr-${id}`, { clock: realClock }));
  for (const a of transports) for (const b of transports) if (a !== b) a.connect(b.localAddr, b);
  const configuration: Configuration = { servers: ids.map((id, i) => ({ id, address: transports[i]!.localAddr, suffrage: ServerSuffrage.Voter })) };
  const servers: RealServer[] = [];
  // Released in finally too: a stalled sync would keep a failed or timed-out test's shutdown, and so its process, waiting for ever.
  let stall: { disable(): void } | undefined;
  try {
    for (const [i, id] of ids.entries()) {
      const nodeFs = new NodeFileSystem(join(root, id));
      await nodeFs.mkdir('/', { recursive: true });
      const disk = new FaultyFileSystem(nodeFs, realClock);
      const store = await InspectableDiskStore.open(disk, 'raft');
      const snapshots = await FileSnapshotStore.open(disk, 'raft', { clock: realClock });
      const config = { ...testConfig(id), ...TIMEOUTS, metrics };
      await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport: transports[i]!, configuration });
      const fsm = new MockFSM();
      const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport: transports[i]!, clock: realClock, random: random.fork() });
      servers.push({ id, raft, fsm, store, disk });
    }
    const leaderOf = (): RealServer | undefined => servers.find((s) => s.raft.state === 'Leader');
    await waitUntil(() => leaderOf() !== undefined, 'a leader', 10_000);
    const leader = leaderOf()!;
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      await leader.raft.apply(new TextEncoder().encode(`before${i}`), { timeoutMs: 5000 });
      acked.push(`before${i}`);
    }

    const rule = leader.disk.stall({ op: ['sync', 'datasync'] });
    stall = rule;
    const stalledAt = realClock.now();
    const stuck = leader.raft.apply(new TextEncoder().encode('stuck'));
    stuck.catch(() => undefined);
    const others = servers.filter((s) => s !== leader);
    let lastHeard = stalledAt;
    await waitUntil(
      () => {
        for (const s of others) if (s.raft.leaderWithId().id === leader.id && s.raft.lastContact() > lastHeard) lastHeard = s.raft.lastContact();
        return others.some((s) => s.raft.state === 'Leader');
      },
      'a leader other than the stalled one',
      10 * TIMEOUTS.electionTimeoutMs,
    );
    const electedAt = realClock.now();
    console.log(`real disk: last heard from the stalled leader ${(lastHeard - stalledAt).toFixed(1)} ms after the stall, new leader ${(electedAt - stalledAt).toFixed(1)} ms after it (lease ${TIMEOUTS.leaderLeaseTimeoutMs}, election timeout ${TIMEOUTS.electionTimeoutMs})`);
    // Real timers run late on a busy machine: allow one heartbeat timeout of slack beyond the simulator's bounds.
    assert.ok(lastHeard - stalledAt <= TIMEOUTS.leaderLeaseTimeoutMs + TIMEOUTS.heartbeatTimeoutMs, `the stalled leader was heard ${lastHeard - stalledAt} ms after the stall (seed ${seed})`);
    assert.ok(electedAt - stalledAt <= TIMEOUTS.leaderLeaseTimeoutMs + 3 * TIMEOUTS.electionTimeoutMs + TIMEOUTS.heartbeatTimeoutMs, `a new leader took ${electedAt - stalledAt} ms (seed ${seed})`);
    assert.ok((metrics.snapshot().counters.get(metricKey('raft.storage.stalls', { op: 'storeLogs', role: 'leader' })) ?? 0) >= 1);

    const leader2 = others.find((s) => s.raft.state === 'Leader')!;
    for (let i = 0; i < 20; i++) {
      await leader2.raft.apply(new TextEncoder().encode(`after${i}`), { timeoutMs: 5000 });
      acked.push(`after${i}`);
    }
    rule.disable();
    await waitUntil(() => leader.raft.state === 'Follower', 'the stalled leader to step down', 5000);
    await assert.rejects(stuck, (err: unknown) => err instanceof LeadershipLostError || err instanceof NotLeaderError);
    await waitUntil(() => servers.every((s) => acked.every((c) => s.fsm.texts().includes(c))), 'every acknowledged write everywhere', 10_000);
    for (const s of servers) {
      const logged = new Set(s.store.entries().filter((e) => e.type === LogType.Command).map((e) => fromUtf8(e.data)));
      for (const c of acked) assert.ok(logged.has(c), `${s.id} lost ${c} from its log (seed ${seed})`);
      assert.ok(!s.fsm.texts().includes('stuck'), `${s.id} applied the stalled write (seed ${seed})`);
    }
    // And what the faulty server's disk holds after the fault: reopen its files from scratch.
    await leader.raft.shutdown();
    const reopened = await InspectableDiskStore.open(new NodeFileSystem(join(root, leader.id)), 'raft');
    const onDisk = new Set(reopened.entries().filter((e) => e.type === LogType.Command).map((e) => fromUtf8(e.data)));
    for (const c of acked) assert.ok(onDisk.has(c), `${leader.id}'s disk lost ${c} (seed ${seed})`);
    await reopened.close();
  } finally {
    stall?.disable();
    for (const s of servers) await s.raft.shutdown();
    await rm(root, { recursive: true, force: true });
  }
});
