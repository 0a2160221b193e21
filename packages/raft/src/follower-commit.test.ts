// A follower applies what the leader has committed of the entries it already
// holds while its write of the new entries runs, so its answer waits for
// that write alone. With the commit timeout out of the way, the only news
// of a commit a follower gets is the next AppendEntries with entries: if
// its log write then hangs, the entries committed before must still reach
// its FSM. Each test prints its seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromUtf8 } from '@shoal/kit';
import { LogType } from './log.js';
import { faultyDiskPerServer } from './testing/faulty-disks.js';
import { TestCluster, text } from './testing/cluster.js';

for (const seed of [461, 462]) {
  test(`a follower applies the entries the leader committed while its write of the next ones hangs (seed ${seed})`, async () => {
    console.log(`follower-commit seed ${seed}`);
    const { disks, wrapFileSystem } = faultyDiskPerServer();
    const c = await TestCluster.create({
      nodes: 3,
      seed,
      environment: 'simulated',
      // Heartbeats carry no commit index; with this commit timeout no empty AppendEntries carries one either.
      config: { commitTimeoutMs: 1_000_000 },
      wrapFileSystem,
    });
    try {
      const leader = await c.waitForLeader();
      const follower = c.nodes.find((n) => n !== leader)!;
      await c.run(leader.raft.apply(text('first'), { timeoutMs: 1000 }));
      await c.waitFor(() => follower.store.entries().some((e) => e.type === LogType.Command && fromUtf8(e.data) === 'first'), 'the follower to hold the first entry');
      assert.ok(!follower.fsm.texts().includes('first'), `the follower applied the first entry before any AppendEntries told it of the commit (seed ${seed})`);

      // Its log writes hang from now on; the next AppendEntries brings the commit of the first entry.
      const rule = disks.get(follower.id)!.stall({ op: ['writev', 'write', 'datasync', 'sync'] });
      const second = leader.raft.apply(text('second'), { timeoutMs: 5000 });
      second.catch(() => undefined);
      await c.waitFor(() => rule.stalledCount > 0, "the follower's write of the second entry to begin");
      await c.waitFor(() => follower.fsm.texts().includes('first'), 'the follower to apply the first entry while its write hangs', 2000);
      assert.equal(rule.stalledCount > 0, true, `the write was not hanging when the follower applied (seed ${seed})`);

      rule.disable();
      await c.run(second);
      // The third entry's AppendEntries carries the commit of the second to both followers.
      await c.run(leader.raft.apply(text('third'), { timeoutMs: 1000 }));
      const followers = c.nodes.filter((n) => n !== leader);
      await c.waitFor(() => followers.every((f) => f.fsm.texts().length >= 2), 'both followers to apply the second entry');
      for (const f of followers) assert.deepEqual(f.fsm.texts(), ['first', 'second'], `${f.id} (seed ${seed})`);
      assert.deepEqual(leader.fsm.texts(), ['first', 'second', 'third'], `the leader (seed ${seed})`);
    } finally {
      // A stalled write would hold shutdown forever.
      for (const disk of disks.values()) disk.heal();
      await c.shutdown();
    }
  });
}
