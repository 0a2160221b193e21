import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../crc32.js';
import { decode, decodeFrom, encode, Writer } from './index.js';
import * as s from './testdata/schemas.js';
import { ascii, GOLDEN, spec } from './testdata/vectors.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

for (const v of GOLDEN) {
  test(`golden: ${v.name} (${v.source})`, () => {
    assert.deepEqual(decode(v.type, v.bytes), v.value);
    assert.equal(toHex(encode(v.type, v.value, v.options)), toHex(v.bytes));
    if (v.prefix) {
      // As a framer would send it: [type byte][msgpack] in one Writer.
      const w = new Writer(v.options);
      w.bytes(v.prefix);
      w.encode(v.type, v.value);
      assert.equal(toHex(w.toBytes()), toHex(v.prefix) + toHex(v.bytes));
    }
  });
}

test('golden: the other int style still decodes the same value', () => {
  const v055 = GOLDEN.find((g) => g.name === 'memberlist pushPull header, go-msgpack 0.5.5 ints')!;
  const v2 = GOLDEN.find((g) => g.name === 'memberlist pushPull header, go-msgpack v2 ints')!;
  assert.deepEqual(decode(s.PushPullHeader, v2.bytes), decode(s.PushPullHeader, v055.bytes));
  assert.equal(toHex(encode(s.PushPullHeader, v2.value as never)), toHex(v055.bytes), 'default style is v0.5');
});

test('memberlist pushPull stream: header, node state and user state decode in sequence', () => {
  const stream = spec(`06 83 a4"Join" c3 a5"Nodes" 01 ac"UserStateLen" ccc8 87 a4"Addr" a47f000001 ab"Incarnation" 01
    a4"Meta" c0 a4"Name" a6"node-a" a4"Port" cd1f0a a5"State" 00 a3"Vsn" a6010502000000`);
  const header = decodeFrom(s.PushPullHeader, stream, 1);
  assert.ok(!header.needMore);
  assert.equal(header.value.nodes, 1);
  const node = decodeFrom(s.PushNodeState, stream, header.offset);
  assert.ok(!node.needMore);
  assert.equal(node.value.name, 'node-a');
  assert.equal(node.offset, stream.length);
});

test('memberlist stream user message: header then raw bytes', () => {
  const stream = spec('08 81 aa"UserMsgLen" 05 68656c6c6f');
  const w = new Writer();
  w.u8(8);
  w.encode(s.UserMsgHeader, { userMsgLen: 5 });
  w.bytes(ascii('hello'));
  assert.equal(toHex(w.toBytes()), toHex(stream));
  const h = decodeFrom(s.UserMsgHeader, stream, 1);
  assert.ok(!h.needMore);
  assert.equal(toHex(stream.subarray(h.offset, h.offset + h.value.userMsgLen)), toHex(ascii('hello')));
});

test('memberlist compound(ping_min, suspect) composes with Writer (spec §3.2 layout)', () => {
  const ping = encode(s.Ping, { seqNo: 1, node: 'node-b' });
  const suspect = encode(s.Suspect, { incarnation: 2, node: 'node-b', from: 'node-a' });
  const w = new Writer();
  w.u8(7);
  w.u8(2);
  w.u16be(1 + ping.length);
  w.u16be(1 + suspect.length);
  w.u8(0);
  w.bytes(ping);
  w.u8(3);
  w.bytes(suspect);
  const out = w.toBytes();
  assert.equal(toHex(out.subarray(0, 6)), '070200150027');
  assert.equal(out.length, 6 + 0x15 + 0x27);
});

test('memberlist CRC-wrapped ping_min (spec §3.2, reconstructed from its layout)', () => {
  const inner = Uint8Array.of(0, ...encode(s.Ping, { seqNo: 1, node: 'node-b' }));
  const w = new Writer();
  w.u8(12);
  w.u32be(crc32(inner));
  w.bytes(inner);
  assert.equal(toHex(w.toBytes()), '0ce3c32310' + '0082a44e6f6465a66e6f64652d62a55365714e6f01');
});

test('raft 1.1.2 appendEntries: the quoted (abbreviated) prefix matches', () => {
  // The spec elides the tail after LeaderCommitIndex ("..."); only the bytes it shows are checked.
  const shown = spec(`00 87 a7"Entries" 91 85 a4"Data" a3 ff0001  aa"Extensions" c0  a5"Index" 0a
                  a4"Term" 05  a4"Type" 00  a6"Leader" a1"L"  b1"LeaderCommitIndex" 09`);
  const w = new Writer();
  w.u8(0);
  w.encode(s.AppendEntriesRequest112, {
    protocolVersion: 3, term: 5, leader: ascii('L'), prevLogEntry: 9, prevLogTerm: 5, leaderCommitIndex: 9,
    entries: [{ index: 10, term: 5, type: 0, data: Uint8Array.of(0xff, 0, 1), extensions: undefined }],
  });
  const out = w.toBytes();
  assert.equal(toHex(out.subarray(0, shown.length)), toHex(shown));
  const back = decode(s.AppendEntriesRequest112, out.subarray(1));
  assert.deepEqual(back.entries?.[0]?.data, Uint8Array.of(0xff, 0, 1));
});
