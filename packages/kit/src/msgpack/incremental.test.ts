// Stream decoding without length prefixes: every golden vector fed one byte at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAny, decodeFrom, encode, NEED_MORE, skipValue, Writer } from './index.js';
import { Alive, Ping } from './testdata/schemas.js';
import { GOLDEN } from './testdata/vectors.js';

for (const v of GOLDEN) {
  test(`incremental: ${v.name}`, () => {
    // Put the value after its message type byte (or a dummy byte) so offsets are non-zero.
    const prefix = v.prefix ?? Uint8Array.of(0xee);
    const full = new Uint8Array(prefix.length + v.bytes.length);
    full.set(prefix);
    full.set(v.bytes, prefix.length);
    for (let n = prefix.length; n < full.length; n++) {
      const partial = full.subarray(0, n);
      assert.equal(decodeFrom(v.type, partial, prefix.length), NEED_MORE, `${n} of ${full.length} bytes`);
      assert.equal(skipValue(partial, prefix.length), NEED_MORE, `skip at ${n} bytes`);
      assert.equal(decodeAny(partial, prefix.length), NEED_MORE, `any at ${n} bytes`);
    }
    const done = decodeFrom(v.type, full, prefix.length);
    assert.ok(!done.needMore);
    assert.deepEqual(done.value, v.value);
    assert.equal(done.offset, full.length);
    assert.equal(skipValue(full, prefix.length), full.length);
  });
}

test('incremental: a growing stream buffer yields consecutive objects in order', () => {
  const w = new Writer();
  const pings = [1, 2, 3].map((seqNo) => ({ seqNo, node: `node-${seqNo}`, sourceAddr: undefined, sourcePort: 0, sourceNode: '' }));
  for (const p of pings) w.encode(Ping, p);
  w.encode(Alive, { incarnation: 9, node: 'n', addr: Uint8Array.of(10, 0, 0, 1), port: 1, meta: undefined, vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) });
  const stream = w.toBytes();
  const got: unknown[] = [];
  let offset = 0;
  // Deliver in uneven chunks, retrying from the same offset after NEED_MORE.
  for (let have = 0; have < stream.length; ) {
    have = Math.min(stream.length, have + 1 + (have % 7));
    const buf = stream.subarray(0, have);
    for (;;) {
      const r = got.length < 3 ? decodeFrom(Ping, buf, offset) : decodeFrom(Alive, buf, offset);
      if (r.needMore) break;
      got.push(r.value);
      offset = r.offset;
    }
  }
  assert.equal(offset, stream.length);
  assert.deepEqual(got.slice(0, 3), pings);
  assert.equal((got[3] as { incarnation: number }).incarnation, 9);
});

test('incremental: two concatenated objects decode in sequence', () => {
  const a = encode(Ping, { seqNo: 1, node: 'a' });
  const b = encode(Ping, { seqNo: 2, node: 'b' });
  const both = Uint8Array.of(...a, ...b);
  const first = decodeFrom(Ping, both, 0);
  assert.ok(!first.needMore);
  assert.equal(first.value.seqNo, 1);
  assert.equal(first.offset, a.length);
  const second = decodeFrom(Ping, both, first.offset);
  assert.ok(!second.needMore);
  assert.equal(second.value.seqNo, 2);
  assert.equal(second.offset, both.length);
  assert.equal(decodeFrom(Ping, both, second.offset), NEED_MORE);
});
