import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeFrom, encode, MsgpackEncodeError, t, utf8Length, Writer, type MsgpackEncodeCode } from './index.js';
import { Ping } from './testdata/schemas.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const rejects = (fn: () => unknown, code: MsgpackEncodeCode): void => {
  assert.throws(fn, (e: unknown) => e instanceof MsgpackEncodeError && e.code === code);
};

test('Writer: framing primitives, growth across every capacity boundary, reset', () => {
  for (let pad = 0; pad < 40; pad++) {
    const w = new Writer({ initialCapacity: 16, timeFormat: pad % 2 ? 'builtin' : 'binary' });
    w.bytes(new Uint8Array(pad));
    w.u8(1);
    w.u16be(0x0203);
    w.u32be(0x04050607);
    w.encode(t.goTime, { unixSec: 2 ** 34 + pad, nsec: 5 });
    w.encode(t.str, 'é'.repeat(pad));
    w.encode(t.int, -(2 ** 40));
    const out = w.toBytes();
    assert.equal(toHex(out.subarray(pad, pad + 7)), '01020304050607');
    const time = decodeFrom(t.goTime, out, pad + 7);
    assert.ok(!time.needMore);
    assert.deepEqual(time.value, { unixSec: 2 ** 34 + pad, nsec: 5 });
    const str = decodeFrom(t.str, out, time.offset);
    assert.ok(!str.needMore);
    assert.equal(str.value, 'é'.repeat(pad));
    assert.deepEqual(decodeFrom(t.int, out, str.offset), { needMore: false, value: -(2 ** 40), offset: out.length });
  }
  const w = new Writer();
  w.encode(Ping, { seqNo: 1, node: 'a' });
  const first = w.toBytes();
  w.reset();
  w.encode(Ping, { seqNo: 1, node: 'a' });
  assert.deepEqual(w.toBytes(), first);
  assert.deepEqual(w.peekBytes(), first);
});

test('utf8Length agrees with TextEncoder, including lone surrogates', () => {
  for (const s of ['', 'abc', 'é', '€', '🚀', '\ud800', 'a\udc00b', '\ud83d\ude80\ud83d', 'x'.repeat(100) + '\ud800']) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
    const enc = encode(t.str, s);
    assert.equal(decode(t.str, enc), new TextDecoder().decode(new TextEncoder().encode(s)));
  }
});

test('encode rejects values the Go type cannot hold', () => {
  rejects(() => encode(t.uint8, 256), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.uint32, -1), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.uint64, 2 ** 53), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.int8, 1.5), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.int, NaN), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.uint16, '1' as never), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.str, 1 as never), 'ERR_MSGPACK_ENCODE_TYPE');
  rejects(() => encode(t.bytes, 'abc' as never), 'ERR_MSGPACK_ENCODE_TYPE');
  rejects(() => encode(t.bool, 0 as never), 'ERR_MSGPACK_ENCODE_TYPE');
  rejects(() => encode(t.goTime, { unixSec: 0, nsec: 1e9 }), 'ERR_MSGPACK_ENCODE_RANGE');
  rejects(() => encode(t.goTime, { unixSec: 0, nsec: 0, utcOffsetSec: -60 }), 'ERR_MSGPACK_ENCODE_RANGE');
  // A required (non-omitEmpty) field left out is a type error, not a silent zero.
  rejects(() => encode(Ping, { seqNo: 1 } as never), 'ERR_MSGPACK_ENCODE_TYPE');
});

test('custom field codec: a Go type the built-ins do not cover', () => {
  // e.g. a Go `net.IP` carried as its string form inside a []byte field.
  const ipString = t.custom<string>({
    kind: 'ipString',
    encode: (w, v) => w.writeRaw(Uint8Array.from(v.split('.').map(Number))),
    decode: (r) => {
      const b = t.bytes.decode(r);
      return b === undefined ? '' : [...b].join('.');
    },
    zero: () => '',
    isEmpty: (v) => v === '',
  });
  const bytes = encode(ipString, '127.0.0.1');
  assert.equal(toHex(bytes), 'a47f000001');
  assert.equal(decode(ipString, bytes), '127.0.0.1');
  assert.equal(decode(ipString, Uint8Array.of(0xc0)), '');
});
