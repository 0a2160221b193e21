// The command codec: round trips, and a total decoder whatever the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { utf8 } from '@shoal/kit';
import { AgentDecodeError } from '../errors.js';
import { commandArb } from '../testing/arbitraries.js';
import { decodeCommand, encodeCommand } from './codec.js';

test('every command survives encode then decode', () => {
  fc.assert(
    fc.property(commandArb, (command) => {
      const decoded = decodeCommand(encodeCommand(command));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.deepEqual(decoded.value, command);
    }),
    { numRuns: 500 },
  );
});

const decodesOrRefuses = (bytes: Uint8Array): void => {
  const r = decodeCommand(bytes);
  if (!r.ok) assert.ok(r.error instanceof AgentDecodeError && r.error.code === 'ERR_AGENT_DECODE');
};

test('random bytes decode to a typed error, never a throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRefuses), { numRuns: 2000 });
});

test('mutated encodings decode or are refused with a typed error', () => {
  fc.assert(
    fc.property(commandArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (command, edits) => {
      const bytes = encodeCommand(command);
      for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
      decodesOrRefuses(bytes);
    }),
    { numRuns: 2000 },
  );
});

test('arbitrary JSON after the version byte is refused with a typed error unless it is a command', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => decodesOrRefuses(new Uint8Array([1, ...utf8(JSON.stringify(value))]))), { numRuns: 1000 });
});

test('decoding names the field that is wrong', () => {
  const bad = (json: unknown): string => {
    const r = decodeCommand(new Uint8Array([1, ...utf8(JSON.stringify(json))]));
    return r.ok ? 'decoded' : r.error.message;
  };
  assert.equal(bad({ type: 'kv', op: { verb: 'set', key: 'k', value: 'not base64!' } }), 'value: not base64');
  assert.equal(bad({ type: 'kv', op: { verb: 'set', key: 'k', flags: '18446744073709551616' } }), 'flags: not a uint64');
  assert.equal(bad({ type: 'kv', op: { verb: 'explode', key: 'k' } }).startsWith('verb: not one of'), true);
  assert.equal(bad({ type: 'txn', ops: [] }), 'ops: empty');
  assert.equal(bad({ type: 'txn', ops: Array.from({ length: 65 }, () => ({ verb: 'get', key: 'k' })) }), 'ops: more than 64 items');
  assert.equal(bad({ type: 'session-create', session: { id: 's', name: '', node: 'n', nodeChecks: [], behavior: 'release', ttlMs: 5000, lockDelayMs: 0 } }), 'ttlMs: below 10000');
  assert.equal(bad({ type: 'nope' }), 'command: unknown type "nope"');
  assert.equal(decodeCommand(new Uint8Array([2, 123, 125])).ok, false, 'unknown version');
  assert.equal(decodeCommand(new Uint8Array(0)).ok, false, 'empty');
});

test('a meta key named __proto__ is a key like any other (fast-check seed -1283711649 found it dropped)', () => {
  const command = JSON.parse('{"type":"register","node":{"node":"n1","id":"","address":"","datacenter":"dc1","meta":{"__proto__":"x","a":"b"}}}') as Parameters<typeof encodeCommand>[0];
  const decoded = decodeCommand(encodeCommand(command));
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value, command);
  assert.deepEqual(Object.keys((decoded.value as { node: { meta: object } }).node.meta), ['__proto__', 'a']);
});
