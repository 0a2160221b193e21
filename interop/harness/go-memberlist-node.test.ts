// The harness itself: three Go nodes in one cluster, driven from TypeScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goMissingReason } from './go-build.js';
import { GoMemberlistNode } from './go-memberlist-node.js';

const missing = goMissingReason();

test(missing ? `go harness (skipped: ${missing})` : 'go harness: Go nodes join, message, leave, under TypeScript control', { skip: missing !== undefined, timeout: 60_000 }, async () => {
  const seed = await GoMemberlistNode.start({ name: 'g0', bind: '127.0.0.1:0', meta: 'seed' });
  const other = await GoMemberlistNode.start({ name: 'g1', bind: '127.0.0.1:0', join: [seed.addr] });
  try {
    await seed.waitFor((e) => e.event === 'join' && e.node === 'g1', 10_000, 'g1 joins g0');
    const members = await other.request('members', 'members');
    assert.deepEqual((members.members as { name: string }[]).map((m) => m.name).sort(), ['g0', 'g1']);
    await other.request('send-reliable g0 hello-from-g1', 'sent');
    const msg = await seed.waitFor((e) => e.event === 'msg', 10_000, 'message');
    assert.equal(msg.data, 'hello-from-g1');
    await other.request('leave 2000', 'left');
    await seed.waitFor((e) => e.event === 'leave' && e.node === 'g1', 10_000, 'g1 leaves');
  } finally {
    await other.stop();
    await seed.stop();
  }
});
