import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesEqual, copyBytes, fromHex, fromUtf8, hex, hexByte, utf8 } from './bytes.js';

test('bytesEqual compares contents; undefined equals empty', () => {
  assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0])), false);
  assert.equal(bytesEqual(undefined, new Uint8Array(0)), true);
  assert.equal(bytesEqual(new Uint8Array(0), undefined), true);
  assert.equal(bytesEqual(undefined, new Uint8Array([0])), false);
  assert.equal(bytesEqual(new Uint8Array([7]).subarray(0, 1), new Uint8Array([9, 7]).subarray(1)), true);
});

test('copyBytes gives an owned copy at offset 0, small and large', () => {
  for (const size of [0, 5, 64, 65, 1000]) {
    const buffer = new Uint8Array(size + 10).map((_, i) => i);
    const copy = copyBytes(buffer, 3, 3 + size);
    assert.equal(copy.byteOffset, 0);
    assert.equal(copy.length, size);
    assert.deepEqual([...copy], [...buffer.subarray(3, 3 + size)]);
    if (size > 0) {
      buffer[3] = 255;
      assert.notEqual(copy[0], 255, `size ${size}: the copy shares the source`);
    }
  }
  assert.deepEqual([...copyBytes(new Uint8Array([1, 2, 3]))], [1, 2, 3]);
});

test('hex and fromHex round-trip; fromHex rejects bad input', () => {
  assert.equal(hex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
  assert.equal(hexByte(0x0f), '0f');
  assert.deepEqual([...fromHex('0001ABff')], [0, 1, 0xab, 0xff]);
  assert.throws(() => fromHex('abc'), RangeError);
  assert.throws(() => fromHex('zz'), RangeError);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => bytesEqual(fromHex(hex(b)), b) && hex(b) === Buffer.from(b).toString('hex')));
});

test('utf8 and fromUtf8 match TextEncoder/TextDecoder; invalid bytes become U+FFFD', () => {
  assert.deepEqual([...utf8('héllo')], [...new TextEncoder().encode('héllo')]);
  assert.equal(fromUtf8(utf8('日本 ✓')), '日本 ✓');
  assert.equal(fromUtf8(new Uint8Array([0x61, 0xff])), 'a\ufffd');
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => fromUtf8(utf8(s)) === s));
});
