import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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
    healthScore: 0,
  };
  const clientTags: AgentTags = { role: 'client', datacenter: 'eu-west', nodeId: 'c0ffee00-0000-4000-8000-000000000000', httpAddress: '127.0.0.1:8500', healthScore: 7 };
  for (const tags of [serverTags, clientTags]) assert.deepEqual(decodeAgentTags(encodeAgentTags(tags)), tags);
});

test('agent tags: the longest realistic tags fit memberlist\'s meta limit', () => {
  const v6 = '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:65535';
  // The health score at its longest: no awareness multiplier comes near it.
  const tags: AgentTags = { role: 'server', datacenter: 'd'.repeat(64), nodeId: '0b6e3a0c-8a3e-4d8e-9a53-0f3c2d1e4b5a', httpAddress: v6, raftAddress: v6, bootstrapExpect: 99, hasRaftState: true, healthScore: Number.MAX_SAFE_INTEGER };
  const size = encodeAgentTags(tags).length;
  assert.ok(size <= META_MAX_SIZE, `${size} bytes`);
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

test('agent tags: a missing or malformed health score is unknown, and the rest of the tags stand', () => {
  const valid = { shoal: 1, role: 'client', dc: 'dc1', id: 'x', http: 'h:1' };
  const expected: AgentTags = { role: 'client', datacenter: 'dc1', nodeId: 'x', httpAddress: 'h:1' };
  const cases: [unknown, number | undefined][] = [
    [undefined, undefined],
    [0, 0],
    [7, 7],
    [-1, undefined],
    [1.5, undefined],
    ['3', undefined],
    [null, undefined],
    [true, undefined],
    [[2], undefined],
    [{ score: 2 }, undefined],
    [1e300, undefined],
    [Number.MAX_SAFE_INTEGER + 1, undefined],
  ];
  for (const [hs, score] of cases) {
    const tags = decodeAgentTags(utf8(JSON.stringify({ ...valid, hs })));
    assert.deepEqual(tags, score === undefined ? expected : { ...expected, healthScore: score }, JSON.stringify(hs));
  }
});

const tagsArb: fc.Arbitrary<AgentTags> = fc.record(
  {
    role: fc.constantFrom('server' as const, 'client' as const),
    datacenter: fc.string({ maxLength: 64 }),
    nodeId: fc.uuid(),
    httpAddress: fc.string({ maxLength: 48 }),
    raftAddress: fc.string({ maxLength: 48 }),
    bootstrapExpect: fc.integer({ min: 1, max: 99 }),
    hasRaftState: fc.boolean(),
    healthScore: fc.nat(),
  },
  { requiredKeys: ['role', 'datacenter', 'nodeId', 'httpAddress'], noNullPrototype: true },
);

test('agent tags (property): every tags value round-trips', () => {
  fc.assert(fc.property(tagsArb, (tags) => assert.deepEqual(decodeAgentTags(encodeAgentTags(tags)), tags)));
});

test('agent tags (property): any health score value decodes to itself when it is a score, else to unknown; never a throw', () => {
  fc.assert(
    fc.property(tagsArb, fc.jsonValue(), (tags, hs) => {
      const { healthScore: _, ...rest } = tags;
      const wire = JSON.parse(new TextDecoder().decode(encodeAgentTags(rest))) as Record<string, unknown>;
      const text = JSON.stringify({ ...wire, hs });
      const sent = (JSON.parse(text) as { hs: unknown }).hs; // as JSON carries it (-0 becomes 0)
      const isScore = Number.isSafeInteger(sent) && (sent as number) >= 0;
      assert.deepEqual(decodeAgentTags(utf8(text)), isScore ? { ...rest, healthScore: sent } : rest);
    }),
  );
});

test('agent tags (property): arbitrary bytes and JSON decode to tags or undefined, never a throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => void decodeAgentTags(bytes)));
  fc.assert(fc.property(fc.jsonValue(), (value) => void decodeAgentTags(utf8(JSON.stringify(value) ?? ''))));
});
