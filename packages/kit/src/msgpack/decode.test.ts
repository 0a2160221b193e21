// Decoder acceptance (what Go accepts, we accept) and rejection (typed errors only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decode,
  decodeAny,
  decodeFrom,
  encode,
  field,
  MsgpackDecodeError,
  NEED_MORE,
  skipValue,
  struct,
  t,
  type MsgpackDecodeCode,
} from './index.js';
import { Alive, Ping, PushNodeState } from './testdata/schemas.js';
import { ascii, spec } from './testdata/vectors.js';

const rejects = (fn: () => unknown, code: MsgpackDecodeCode): void => {
  assert.throws(fn, (e: unknown) => e instanceof MsgpackDecodeError && e.code === code);
};

test('keys in any order; unknown keys (nested, ext, bin) are skipped', () => {
  const bytes = spec(`88 a4"Port" cd1f0a a5"Extra" 82 a1"a" 93 01 02 91 c0 a1"b" d6 05 01020304
    a4"Node" a6"node-a" a4"Meta" c0 a3"Vsn" 96 01 05 02 00 00 00 a2"Xb" c4 02 abcd
    ab"Incarnation" 07 a4"Addr" c4 04 7f000001`);
  assert.deepEqual(decode(Alive, bytes), {
    incarnation: 7, node: 'node-a', addr: Uint8Array.of(127, 0, 0, 1), port: 7946, meta: undefined,
    vsn: Uint8Array.of(1, 5, 2, 0, 0, 0),
  });
});

test('keys match case-sensitively; missing keys give zero values', () => {
  const v = decode(Ping, spec('82 a4"node" a1"x" a5"SeqNo" 05'));
  assert.deepEqual(v, { seqNo: 5, node: '', sourceAddr: undefined, sourcePort: 0, sourceNode: '' });
  assert.deepEqual(decode(Ping, spec('80')), Ping.zero());
});

test('duplicate keys: the last one wins; a non-string key is a type error (as Go 0.5.5)', () => {
  const Pair = struct({ a: field('A', t.uint8), b: field('B', t.str) });
  assert.deepEqual(decode(Pair, spec('82 a1"A" 07 a1"A" 08')), { a: 8, b: '' });
  assert.deepEqual(decode(Pair, spec('81 d901"A" 07')), { a: 7, b: '' });
  rejects(() => decode(Pair, spec('81 01 07')), 'ERR_MSGPACK_TYPE');
  // Go 0.5.5 rejects a bin key; we accept it (as go-msgpack v2 does).
  assert.deepEqual(decode(Pair, spec('81 c401"A" 07')), { a: 7, b: '' });
});

test('nil for any field gives its zero value (as Go does)', () => {
  const v = decode(PushNodeState, spec(`87 a4"Addr" c0 ab"Incarnation" c0 a4"Meta" c0 a4"Name" c0 a4"Port" c0 a5"State" c0 a3"Vsn" c0`));
  assert.deepEqual(v, PushNodeState.zero());
  assert.deepEqual(decode(Ping, spec('c0')), Ping.zero());
});

test('a struct sent as an array is read positionally in declaration order; extras skipped (as Go 0.5.5)', () => {
  const Pair = struct({ a: field('A', t.uint8), b: field('B', t.str) });
  assert.deepEqual(decode(Pair, spec('92 07 a1"x"')), { a: 7, b: 'x' });
  assert.deepEqual(decode(Pair, spec('91 07')), { a: 7, b: '' });
  assert.deepEqual(decode(Pair, spec('94 07 a1"x" 81 01 02 c3')), { a: 7, b: 'x' });
});

test('bytes accept str8/16/32 and bin8/16/32 and an int array; strings accept str and bin', () => {
  for (const h of ['a3', 'd903', 'da0003', 'db00000003', 'c403', 'c50003', 'c600000003']) {
    assert.deepEqual(decode(t.bytes, spec(`${h} 616263`)), ascii('abc'), h);
    assert.equal(decode(t.str, spec(`${h} 616263`)), 'abc', h);
  }
  assert.deepEqual(decode(t.bytes, spec('93 01 cc05 d000')), Uint8Array.of(1, 5, 0));
  rejects(() => decode(t.bytes, spec('91 cd0100')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.bytes, spec('91 a0')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(t.str, spec('93 01 02 03')), 'ERR_MSGPACK_TYPE');
});

test('strings: UTF-8 decoded, invalid sequences become U+FFFD', () => {
  assert.equal(decode(t.str, encode(t.str, 'nœud-ß-🚀')), 'nœud-ß-🚀');
  assert.equal(decode(t.str, spec('a3 61ff62')), 'a\ufffdb');
  // bytes fields never UTF-8 decode.
  assert.deepEqual(decode(t.bytes, spec('a3 61ff62')), Uint8Array.of(0x61, 0xff, 0x62));
});

test('integers of any width/sign that fit are accepted', () => {
  for (const h of ['05', 'cc05', 'cd0005', 'ce00000005', 'cf0000000000000005', 'd005', 'd10005', 'd200000005', 'd30000000000000005']) {
    assert.equal(decode(t.uint8, spec(h)), 5, h);
    assert.equal(decode(t.int8, spec(h)), 5, h);
  }
  assert.equal(decode(t.int8, spec('d1ff80')), -128);
  assert.equal(decode(t.float, spec('05')), 5);
  assert.equal(decode(t.float, spec('ca3fc00000')), 1.5);
});

test('integer overflow, negative into unsigned, and > 2^53 are ERR_MSGPACK_OVERFLOW', () => {
  rejects(() => decode(t.uint8, spec('cd0100')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.uint16, spec('ce00010000')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.uint32, spec('cf0000000100000000')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.uint32, spec('ff')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.uint64, spec('d0ff')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.int8, spec('cc80')), 'ERR_MSGPACK_OVERFLOW');
  rejects(() => decode(t.int16, spec('d1')), 'ERR_MSGPACK_TRUNCATED');
  rejects(() => decode(t.uint64, spec('cf0020000000000000')), 'ERR_MSGPACK_OVERFLOW');
  assert.equal(decode(t.uint64, spec('cf001fffffffffffff')), Number.MAX_SAFE_INTEGER);
  rejects(() => decode(t.int64, spec('d3ffe0000000000000')), 'ERR_MSGPACK_OVERFLOW');
  assert.equal(decode(t.int64, spec('d3ffe0000000000001')), -Number.MAX_SAFE_INTEGER);
});

test('bool accepts c2/c3 and fixint 0/1 only', () => {
  assert.equal(decode(t.bool, spec('c3')), true);
  assert.equal(decode(t.bool, spec('01')), true);
  assert.equal(decode(t.bool, spec('00')), false);
  rejects(() => decode(t.bool, spec('02')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(t.bool, spec('a1"t"')), 'ERR_MSGPACK_TYPE');
});

test('wrong types are ERR_MSGPACK_TYPE', () => {
  rejects(() => decode(t.uint32, spec('a1"1"')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(t.str, spec('05')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(Ping, spec('05')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(Ping, spec('81 01 02')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(t.array(t.uint8), spec('81 01 02')), 'ERR_MSGPACK_TYPE');
  rejects(() => decode(t.goTime, spec('a3 010203')), 'ERR_MSGPACK_INVALID');
  rejects(() => decode(t.goTime, spec('af 03 0000000000000000 00000000 ffff')), 'ERR_MSGPACK_INVALID');
  rejects(() => decode(t.goTime, spec('a8 ffffffff00000000')), 'ERR_MSGPACK_INVALID');
  rejects(() => skipValue(spec('c1'), 0), 'ERR_MSGPACK_TYPE');
});

test('goTime also decodes a msgpack timestamp ext and the 4/12-byte builtin forms', () => {
  assert.deepEqual(decode(t.goTime, spec('d6ff 62c8b414')), { unixSec: 1657320468, nsec: 0 });
  assert.deepEqual(decode(t.goTime, spec('d7ff 3811264062c8b414')), { unixSec: 1657320468, nsec: 235162000 });
  assert.deepEqual(decode(t.goTime, spec('c70cff 00000005 ffffffffffffffff')), { unixSec: -1, nsec: 5 });
  assert.deepEqual(decode(t.goTime, spec('a4 62c8b414')), { unixSec: 1657320468, nsec: 0 });
  assert.deepEqual(decode(t.goTime, spec('ac 00000005 ffffffffffffffff')), { unixSec: -1, nsec: 5 });
  const w = encode(t.goTime, { unixSec: -1, nsec: 5 }, { timeFormat: 'builtin' });
  assert.equal(Buffer.from(w).toString('hex'), 'ac00000005ffffffffffffffff');
  assert.equal(Buffer.from(encode(t.goTime, { unixSec: 1657320468, nsec: 0 }, { timeFormat: 'builtin' })).toString('hex'), 'a462c8b414');
});

test('trailing bytes: decode rejects, decodeFrom reports the offset', () => {
  rejects(() => decode(t.uint8, spec('05 06')), 'ERR_MSGPACK_TRAILING');
  assert.deepEqual(decodeFrom(t.uint8, spec('05 06'), 0), { needMore: false, value: 5, offset: 1 });
});

test('deep nesting is ERR_MSGPACK_TOO_DEEP, not a stack overflow', () => {
  const deep = new Uint8Array(100_000).fill(0x91);
  rejects(() => decodeAny(deep, 0), 'ERR_MSGPACK_TOO_DEEP');
  rejects(() => skipValue(deep, 0), 'ERR_MSGPACK_TOO_DEEP');
  // ...also when the deep value hides under an unknown struct key.
  const keyed = new Uint8Array(7 + deep.length);
  keyed.set(spec('81 a5"Extra"'));
  keyed.set(deep, 7);
  rejects(() => decode(Ping, keyed), 'ERR_MSGPACK_TOO_DEEP');
  const Nest = t.array(t.array(t.array(t.uint8)));
  assert.deepEqual(decode(Nest, spec('91 91 91 01'), { maxDepth: 3 }), [[[1]]]);
  rejects(() => decode(Nest, spec('91 91 91 01'), { maxDepth: 2 }), 'ERR_MSGPACK_TOO_DEEP');
});

test('huge claimed lengths: need-more below the limit, ERR_MSGPACK_LIMIT above, never a big allocation', () => {
  const before = process.memoryUsage().arrayBuffers;
  const claims = ['dbffffffff', 'c6ffffffff', 'ddffffffff', 'dfffffffff', 'c9ffffffff01'];
  for (const h of claims) {
    const bytes = spec(`${h} 00000000`);
    rejects(() => decodeAny(bytes, 0), 'ERR_MSGPACK_LIMIT');
    rejects(() => skipValue(bytes, 0), 'ERR_MSGPACK_LIMIT');
  }
  rejects(() => decode(t.bytes, spec('dbffffffff 00000000')), 'ERR_MSGPACK_LIMIT');
  rejects(() => decode(t.array(t.uint8), spec('ddffffffff 00000000')), 'ERR_MSGPACK_LIMIT');
  // Within the limit but not yet present: a stream decoder must wait, not allocate.
  assert.equal(decodeFrom(t.bytes, spec('db01000000 0000'), 0), NEED_MORE);
  assert.equal(decodeFrom(t.array(t.uint8), spec('dd00100000 00'), 0), NEED_MORE);
  assert.equal(decodeFrom(t.map(t.uint8, t.uint8), spec('df00100000 0000'), 0), NEED_MORE);
  rejects(() => decode(t.bytes, spec('db01000000 0000')), 'ERR_MSGPACK_TRUNCATED');
  // Lower limits are configurable.
  rejects(() => decode(t.str, spec('a5 6162636465'), { maxBytesLength: 4 }), 'ERR_MSGPACK_LIMIT');
  rejects(() => decode(t.array(t.uint8), spec('93 010203'), { maxContainerLength: 2 }), 'ERR_MSGPACK_LIMIT');
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
});

test('decodeAny: every msgpack type', () => {
  const r = decodeAny(spec(`8a 00 c0 01 c3 02 cb3ff8000000000000 03 cf ffffffffffffffff 04 d3 8000000000000000
    05 a2"hi" 06 c4 02 0102 07 92 e0 d0 80 08 d4 07 09 a1"x" d8 f6 00112233445566778899aabbccddeeff`), 0);
  assert.ok(!r.needMore);
  const m = r.value as Map<unknown, unknown>;
  assert.equal(m.get(0), null);
  assert.equal(m.get(1), true);
  assert.equal(m.get(2), 1.5);
  assert.equal(m.get(3), 2n ** 64n - 1n);
  assert.equal(m.get(4), -(2n ** 63n));
  assert.equal(m.get(5), 'hi');
  assert.deepEqual(m.get(6), Uint8Array.of(1, 2));
  assert.deepEqual(m.get(7), [-32, -128]);
  assert.deepEqual(m.get(8), { extType: 7, data: Uint8Array.of(9) });
  assert.deepEqual(m.get('x'), { extType: -10, data: spec('00112233445566778899aabbccddeeff') });
  const raw = decodeAny(spec('a2"hi"'), 0, { rawStrings: true });
  assert.ok(!raw.needMore);
  assert.deepEqual(raw.value, ascii('hi'));
});

test('copyBytes: false returns views into the input', () => {
  const input = spec('a3 616263');
  const view = decode(t.bytes, input, { copyBytes: false })!;
  const copy = decode(t.bytes, input)!;
  input[1] = 0x7a;
  assert.equal(view[0], 0x7a);
  assert.equal(copy[0], 0x61);
});
