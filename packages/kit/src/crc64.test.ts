import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64, crc64Bytes, crc64Update, crc64UpdateHalves } from './crc64.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const pattern = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);

// Printed by Go 1.19: crc64.Checksum(input, crc64.MakeTable(crc64.ECMA)).
const GO_VECTORS: [string, Uint8Array, bigint][] = [
  ['empty', new Uint8Array(), 0x0000000000000000n],
  ['"a"', text('a'), 0x330284772e652b05n],
  ['"hello" (spec §4.14)', text('hello'), 0x9b1edae5dbb937b1n],
  ['"123456789"', text('123456789'), 0x995dc9bbdf1939fan],
  ['quick brown fox', text('The quick brown fox jumps over the lazy dog'), 0x5b5eb8c2e54aa1c4n],
  ['1000-byte pattern (i*31+7)', pattern(1000), 0x5e9723037b38c574n],
  ['4096 zeros', new Uint8Array(4096), 0x26d3d39425eaf0a5n],
];

test('crc64 matches Go hash/crc64 with the ECMA table', () => {
  for (const [name, input, expected] of GO_VECTORS) assert.equal(crc64(input), expected, name);
});

test('crc64Bytes is big-endian, as Go Sum(nil): "hello" → mx7a5du5N7E= in meta.json', () => {
  const bytes = crc64Bytes(crc64(text('hello')));
  assert.equal(Buffer.from(bytes).toString('hex'), '9b1edae5dbb937b1');
  assert.equal(Buffer.from(bytes).toString('base64'), 'mx7a5du5N7E=');
  assert.deepEqual(crc64Bytes({ hi: 0x9b1edae5, lo: 0xdbb937b1 }), bytes);
});

test('incremental equals one-shot at every split, in both forms', () => {
  const data = pattern(1000);
  const whole = crc64(data);
  for (let split = 0; split <= data.length; split += 7) {
    assert.equal(crc64Update(crc64(data.subarray(0, split)), data.subarray(split)), whole, `split ${split}`);
    const halves = crc64UpdateHalves(crc64UpdateHalves({ hi: 0, lo: 0 }, data.subarray(0, split)), data.subarray(split));
    assert.equal((BigInt(halves.hi) << 32n) | BigInt(halves.lo), whole, `halves split ${split}`);
  }
});

test('the slice-by-8 loop agrees with a bit-at-a-time reference on odd lengths', () => {
  const poly = 0xc96c5795d7870f42n;
  const reference = (data: Uint8Array): bigint => {
    let crc = 0xffffffffffffffffn;
    for (const byte of data) {
      crc ^= BigInt(byte);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    }
    return crc ^ 0xffffffffffffffffn;
  };
  for (const length of [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 257]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
    assert.equal(crc64(data), reference(data), `length ${length}`);
  }
});
