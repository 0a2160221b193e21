import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '@shoal/kit';
import { expectedMessage, fromGo, hex, loadFixture, schemaFor, toHex, type GoMessage, type GoValue } from './go-fixtures.js';
import { decodeMessages } from './packet.js';
import { encodeMessage, type PacketMessage } from './messages.js';
import { MessageType } from './types.js';

interface MessagesFile {
  messages: (GoMessage & { name: string; hex: string })[];
  values: { name: string; struct: string; value: GoValue; hex: string }[];
}
const file = loadFixture<MessagesFile>('messages.json');

test('every message type of spec §2 has a Go fixture', () => {
  const types = new Set(file.messages.map((m) => m.type));
  for (const t of [0, 1, 2, 3, 4, 5, 8, 9, 11, 13]) assert.ok(types.has(t), `type ${t}`);
  const structs = new Set(file.values.map((v) => v.struct));
  for (const s of ['pushPullHeader', 'userMsgHeader', 'pushNodeState']) assert.ok(structs.has(s), s);
});

for (const m of file.messages) {
  test(`Go message ${m.name}: decodes exactly and re-encodes byte-identically`, () => {
    const bytes = hex(m.hex);
    assert.equal(bytes[0], m.type);
    const expected = expectedMessage(m);
    if (m.type === MessageType.Compress) {
      // decodeMessages unwraps compression, so check the struct directly, then the unwrapping.
      const c = decode(schemaFor('compress'), bytes.subarray(1));
      assert.deepEqual(c, fromGo(schemaFor('compress'), m.value!));
      assert.equal(toHex(encode(schemaFor('compress'), c)), m.hex.slice(2));
      const inner = decodeMessages(bytes);
      assert.deepEqual(inner.errors, []);
      assert.equal(inner.messages.length, 1);
      return;
    }
    let decoded: PacketMessage;
    if (m.type === MessageType.Err) {
      decoded = { type: MessageType.Err, body: decode(schemaFor('errResp'), bytes.subarray(1)) } as PacketMessage;
    } else {
      const r = decodeMessages(bytes);
      assert.deepEqual(r.errors, []);
      assert.equal(r.messages.length, 1);
      decoded = r.messages[0]!;
    }
    assert.deepEqual(decoded, expected);
    assert.equal(toHex(encodeMessage(expected)), m.hex);
  });
}

for (const v of file.values) {
  test(`Go value ${v.name}: decodes exactly and re-encodes byte-identically`, () => {
    const schema = schemaFor(v.struct);
    const decoded = decode(schema, hex(v.hex));
    assert.deepEqual(decoded, fromGo(schema, v.value));
    assert.equal(toHex(encode(schema, decoded)), v.hex);
  });
}

test('spec §3.2 worked examples encode to the published bytes', () => {
  const cases: [PacketMessage, string][] = [
    [
      { type: 0, body: { seqNo: 1, node: 'node-b', sourceAddr: Uint8Array.of(127, 0, 0, 1), sourcePort: 7946, sourceNode: 'node-a' } },
      '0085a44e6f6465a66e6f64652d62a55365714e6f01aa536f7572636541646472a47f000001aa536f757263654e6f6465a66e6f64652d61aa536f75726365506f7274cd1f0a',
    ],
    [{ type: 0, body: { seqNo: 1, node: 'node-b' } }, '0082a44e6f6465a66e6f64652d62a55365714e6f01'],
    [{ type: 2, body: { seqNo: 1, payload: undefined } }, '0282a75061796c6f6164c0a55365714e6f01'],
    [{ type: 11, body: { seqNo: 70000 } }, '0b81a55365714e6fce00011170'],
    [
      { type: 3, body: { incarnation: 2, node: 'node-b', from: 'node-a' } },
      '0383a446726f6da66e6f64652d61ab496e6361726e6174696f6e02a44e6f6465a66e6f64652d62',
    ],
    [
      { type: 4, body: { incarnation: 1, node: 'node-a', addr: Uint8Array.of(127, 0, 0, 1), port: 7946, meta: undefined, vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) } },
      '0486a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a66e6f64652d61a4506f7274cd1f0aa356736ea6010502000000',
    ],
  ];
  for (const [msg, want] of cases) {
    assert.equal(toHex(encodeMessage(msg)), want);
    const decoded = decodeMessages(hex(want)).messages[0]!;
    assert.equal(decoded.type, msg.type);
    // Absent omitempty fields decode to Go's zero values; the rest must match.
    const got = (decoded as { body: Record<string, unknown> }).body;
    for (const [k, v] of Object.entries((msg as { body: Record<string, unknown> }).body)) assert.deepEqual(got[k], v, k);
    assert.equal(toHex(encodeMessage(decoded)), want);
  }
  // A 40-character string is str16, never str8.
  const long = encodeMessage({ type: 3, body: { incarnation: 1, node: 'x'.repeat(40), from: '' } });
  assert.ok(toHex(long).includes('da0028'));
});

test('decoder tolerates what Go tolerates: reordered keys, unknown keys, bin for bytes, int array Vsn', () => {
  // alive as a map with keys out of order, an extra key, Addr as bin8 and Vsn as an array.
  const bytes = hex(
    '04' + '87' + 'a356736e' + '96010502000000' + 'a44e6f6465' + 'a16e' + 'a5457874726101' + 'a441646472' + 'c4047f000001' + 'a4506f7274' + '05' +
      'ab496e6361726e6174696f6e' + '07' + 'a44d657461' + 'c0',
  );
  const r = decodeMessages(bytes);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.messages[0], {
    type: 4,
    body: { incarnation: 7, node: 'n', addr: Uint8Array.of(127, 0, 0, 1), port: 5, meta: undefined, vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) },
  });
});
