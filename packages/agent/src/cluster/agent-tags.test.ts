import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '@shoal/kit';
import { META_MAX_SIZE } from '@shoal/memberlist';
import { decodeAgentTags, encodeAgentTags, type AgentTags } from './agent-tags.js';

test('agent tags: a server\'s and a client\'s tags round-trip', () => {
  const serverTags: AgentTags = {
    role: 'server',
    datacenter: 'dc1',
    nodeId: '0b6e3a0c-8a3e-4d8e-9a53-0f3c2d1e4b5a',
    httpAddress: '10.0.0.1:8500',
    raftAddress: '10.0.0.1:8300',
    bootstrapExpect: 3,
    hasRaftState: false,
  };
  const clientTags: AgentTags = { role: 'client', datacenter: 'eu-west', nodeId: 'c0ffee00-0000-4000-8000-000000000000', httpAddress: '127.0.0.1:8500' };
  for (const tags of [serverTags, clientTags]) assert.deepEqual(decodeAgentTags(encodeAgentTags(tags)), tags);
});

test('agent tags: the longest realistic tags fit memberlist\'s meta limit', () => {
  const v6 = '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:65535';
  const tags: AgentTags = { role: 'server', datacenter: 'd'.repeat(64), nodeId: '0b6e3a0c-8a3e-4d8e-9a53-0f3c2d1e4b5a', httpAddress: v6, raftAddress: v6, bootstrapExpect: 99, hasRaftState: true };
  assert.ok(encodeAgentTags(tags).length <= META_MAX_SIZE);
});

test('agent tags: meta that is not a shoal agent\'s decodes to undefined', () => {
  const valid = { shoal: 1, role: 'server', dc: 'dc1', id: 'x', http: 'h:1' };
  const bad: unknown[] = [
    '',
    'role=seed',
    '{',
    '[]',
    'null',
    JSON.stringify({ ...valid, shoal: 2 }),
    JSON.stringify({ ...valid, role: 'leader' }),
    JSON.stringify({ ...valid, dc: 7 }),
    JSON.stringify({ ...valid, http: undefined }),
    JSON.stringify({ ...valid, expect: 0 }),
    JSON.stringify({ ...valid, expect: 1.5 }),
    JSON.stringify({ ...valid, state: 'yes' }),
    JSON.stringify({ ...valid, raft: 8300 }),
  ];
  for (const text of bad) assert.equal(decodeAgentTags(utf8(text as string)), undefined, String(text));
  assert.ok(decodeAgentTags(utf8(JSON.stringify(valid))));
  assert.equal(decodeAgentTags(Uint8Array.of(0x7b, 0xff, 0xfe)), undefined);
});
