import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, utf8 } from '@shoal/kit';
import { RaftState } from '@shoal/raft';
import { encodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { createLeaderApply } from './leader-apply.js';
import { LockDelays } from './lock-delays.js';

const command: Command = { type: 'kv', op: { verb: 'set', key: 'k', value: utf8('v') } };

test('leader apply proposes the bytes it is given as they are, else the command encoded', async () => {
  const proposed: Uint8Array[] = [];
  const raft = {
    state: RaftState.Leader,
    apply: async (data: Uint8Array) => (proposed.push(data), { index: proposed.length, response: true }),
    appliedIndex: () => 0,
    leaderWithId: () => ({ id: 's1', address: '127.0.0.1:1' }),
  };
  const apply = createLeaderApply({ raft: raft as never, lockDelays: new LockDelays(new ManualClock()) });
  const forwarded = encodeCommand(command);
  assert.deepEqual(await apply(command, forwarded), { index: 1, result: true });
  assert.equal(proposed[0], forwarded);
  assert.deepEqual(await apply(command), { index: 2, result: true });
  assert.deepEqual(proposed[1], encodeCommand(command));
});
