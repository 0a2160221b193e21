import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Update, tableCrc32Update } from './crc32.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

test('known vectors', () => {
  assert.equal(crc32(new Uint8Array()), 0);
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  // memberlist spec §3.2: the CRC wrapper of ping_min is 0c e3c32310.
  assert.equal(crc32(hex('0082a44e6f6465a66e6f64652d62a55365714e6f01')), 0xe3c32310);
});

test('incremental equals one-shot at every split', () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 31 + 7) & 0xff);
  const whole = crc32(data);
  for (let split = 0; split <= data.length; split += 13) {
    assert.equal(crc32Update(crc32(data.subarray(0, split)), data.subarray(split)), whole);
  }
});

test('the WebAssembly and native paths agree with the table version, one-shot and continued', () => {
  for (const length of [63, 64, 65, 169, 255, 256, 511, 512, 513, 4096, 70_001]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
    assert.equal(crc32(data), tableCrc32Update(0, data), `length ${length}`);
    const seed = tableCrc32Update(0, data.subarray(0, 17));
    assert.equal(crc32Update(seed, data), tableCrc32Update(seed, data), `continued, length ${length}`);
  }
});

test('a range is the CRC of that view, by either path, and a range outside the bytes is a RangeError', () => {
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 97 + 3) & 0xff);
  for (const [start, end] of [[0, 0], [0, 8], [3, 11], [12, 12 + 165], [100, 100 + 4133], [1, 5000], [0, 5000]] as const) {
    const view = data.subarray(start, end);
    assert.equal(crc32Update(0, data, start, end), crc32(view), `${start}..${end}`);
    assert.equal(tableCrc32Update(7, data, start, end), tableCrc32Update(7, view), `table ${start}..${end}`);
    assert.equal(crc32Update(0x1234, data, start, end), tableCrc32Update(0x1234, view), `continued ${start}..${end}`);
  }
  for (const [start, end] of [[-1, 4], [5, 4], [0, 5001], [0.5, 4], [0, Number.NaN]]) {
    assert.throws(() => crc32Update(0, data, start, end), RangeError, `${start}..${end}`);
    assert.throws(() => tableCrc32Update(0, data, start, end), RangeError, `table ${start}..${end}`);
  }
});
