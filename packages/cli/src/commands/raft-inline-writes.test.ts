import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeFileSystem } from '@shoal/kit';
import { TestCluster } from '@shoal/raft/testing';
import { INLINE_FOLLOWER_WRITE_BYTES, inlineFollowerWrites, inlineWriteBytesFor } from './raft-inline-writes.js';

test('inline log writes follow the role: on while following, off while leading, and they move with leadership', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-inline-writes-'));
  const c = await TestCluster.create({ nodes: 3, seed: 11 });
  try {
    const first = await c.waitForLeader();
    const disks = new Map(c.nodes.map((n) => [n.id, new NodeFileSystem(dir)]));
    for (const n of c.nodes) inlineFollowerWrites(n.raft, disks.get(n.id)!);
    const limits = (): Map<string, number> => new Map(c.nodes.map((n) => [n.id, disks.get(n.id)!.inlineDurableWriteBytes]));
    for (const [id, bytes] of limits()) assert.equal(bytes, id === first.id ? 0 : INLINE_FOLLOWER_WRITE_BYTES, id);

    await c.run(first.raft.leadershipTransfer(), 10_000);
    const second = await c.waitForLeader();
    assert.notEqual(second.id, first.id);
    await c.waitFor(() => disks.get(second.id)!.inlineDurableWriteBytes === 0, 'the new leader to stop writing inline', 5000);
    for (const [id, bytes] of limits()) assert.equal(bytes, id === second.id ? 0 : INLINE_FOLLOWER_WRITE_BYTES, id);
  } finally {
    await c.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal(inlineWriteBytesFor('Candidate'), INLINE_FOLLOWER_WRITE_BYTES);
  assert.equal(inlineWriteBytesFor('Shutdown'), 0);
});
