import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeFrom, encode, field, NEED_MORE, struct, t } from './index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const Ping = struct({
  seqNo: field('SeqNo', t.uint32),
  node: field('Node', t.str),
  sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
  sourcePort: field('SourcePort', t.uint16, { omitEmpty: true }),
  sourceNode: field('SourceNode', t.str, { omitEmpty: true }),
});

test('ping round trip matches Go bytes', () => {
  const bytes = hex('82a44e6f6465a66e6f64652d62a55365714e6f01');
  const v = decode(Ping, bytes);
  assert.equal(v.seqNo, 1);
  assert.equal(v.node, 'node-b');
  assert.equal(toHex(encode(Ping, v)), toHex(bytes));
  assert.equal(decodeFrom(Ping, bytes.subarray(0, 5), 0), NEED_MORE);
});
