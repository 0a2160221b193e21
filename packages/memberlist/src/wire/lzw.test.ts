import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { hex, loadFixture, toHex } from './go-fixtures.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { lzwCompress as referenceCompress, lzwDecompress as referenceDecompress } from './lzw-reference.js';
import { compressIfSmaller, decompressMsgBody, encodeCompressMsg } from './compress.js';
import { seededRandom } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';

interface LzwFixture {
  name: string;
  input?: string;
  generator?: 'square-mod-251' | 'xorshift32';
  length: number;
  output?: string;
  outputSha256: string;
  frameSha256: string;
  frameLength: number;
}
const fixtures = loadFixture<{ lzw: LzwFixture[] }>('lzw.json').lzw;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function squareMod251(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * i + 7 * i) % 251);
}
function xorshift32(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
function inputOf(f: LzwFixture): Uint8Array {
  if (f.generator === 'square-mod-251') return squareMod251(f.length);
  if (f.generator === 'xorshift32') return xorshift32(f.length);
  return hex(f.input ?? '');
}

for (const f of fixtures) {
  test(`Go compress/lzw fixture ${f.name}: identical output, and it decompresses`, () => {
    const input = inputOf(f);
    const out = lzwCompress(input);
    if (f.output !== undefined) assert.equal(toHex(out), f.output);
    assert.equal(sha256(out), f.outputSha256);
    const frame = encodeCompressMsg(input);
    assert.equal(frame.length, f.frameLength);
    assert.equal(sha256(frame), f.frameSha256);
    const goBytes = f.output !== undefined ? hex(f.output) : out;
    assert.deepEqual(lzwDecompress(goBytes), input);
    if (input.length > 0) assert.deepEqual(decompressMsgBody(frame.subarray(1)), input);
  });
}

test('spec §8 vectors (a) and (b), with their SHA-256', () => {
  assert.equal(toHex(xorshift32(8)), '637aa07ee1eaf23d');
  const a = lzwCompress(squareMod251(20000));
  assert.equal(a.length, 4219);
  assert.equal(sha256(a), '70e9fff56317452b4285b99edc40870e22e97108807515fa9a6771c3749fbfac');
  const frameA = encodeCompressMsg(squareMod251(20000));
  assert.equal(frameA.length, 4234);
  assert.equal(sha256(frameA), 'd65aacf3f79241672c5aaed05aacf8f05ab7eec0eae961bd1853f76aaba470ab');
  assert.ok(toHex(frameA).startsWith('0982a4416c676f00a3427566da107b'));
  const b = lzwCompress(xorshift32(20000));
  assert.equal(b.length, 27308);
  assert.equal(sha256(b), '83f81a0b7f7d3b2a9257e46875b79d4329dbccb222feddcde0c251a45665e94f');
  assert.deepEqual(lzwDecompress(b), xorshift32(20000));
  assert.equal(toHex(lzwCompress(new Uint8Array(0))), '000302');
  assert.equal(toHex(lzwCompress(new TextEncoder().encode('TOBEORNOTTOBEORTOBEORNOT'))), '00a93c1152e48914274fa80824687061c183090302');
  assert.equal(
    toHex(encodeCompressMsg(hex('0082a44e6f6465a66e6f64652d62a55365714e6f01'))),
    '0982a4416c676f00a3427566b800010822e5e40d9932a6dc182cd3424ca92965e2140c1010',
  );
});

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof WireError && e.code === code);
}

test('malformed LZW streams are typed errors', () => {
  const good = lzwCompress(new TextEncoder().encode('hello hello hello'));
  assertCode(() => lzwDecompress(good.subarray(0, good.length - 2)), WireErrorCode.LzwUnexpectedEof);
  assertCode(() => lzwDecompress(new Uint8Array(0)), WireErrorCode.LzwUnexpectedEof);
  // clear, then code 300 at 9 bits: past the table.
  const bad = new Uint8Array(4);
  const bits = 256 | (300 << 9);
  bad[0] = bits & 0xff;
  bad[1] = (bits >> 8) & 0xff;
  bad[2] = (bits >> 16) & 0xff;
  assertCode(() => lzwDecompress(bad), WireErrorCode.LzwInvalidCode);
  // Empty payload and unknown algorithm in the compress wrapper.
  assertCode(() => decompressMsgBody(encodeCompressMsg(new Uint8Array(0)).subarray(1)), WireErrorCode.LzwEmpty);
  assertCode(() => decompressMsgBody(hex('82a4416c676f01a3427566a0')), WireErrorCode.CompressAlgo);
});

test('a compression bomb stops at the output limit', () => {
  const zeros = new Uint8Array(2_000_000);
  const bomb = lzwCompress(zeros);
  assert.ok(bomb.length < 10_000, `bomb is ${bomb.length} bytes`);
  assertCode(() => lzwDecompress(bomb, 1_000_000), WireErrorCode.TooLarge);
  assert.equal(lzwDecompress(bomb, 2_000_000).length, 2_000_000);
});

test('property: decompress(compress(x)) = x', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 9000, min: 0, max: 3 })), (x) => {
      assert.deepEqual(lzwDecompress(lzwCompress(x)), x);
    }),
    { numRuns: 300 },
  );
});

test('scratch state kept between calls never leaks into the next result', () => {
  const small = new TextEncoder().encode('TOBEORNOTTOBEORTOBEORNOT');
  const expected = Buffer.from(lzwCompress(small)).toString('hex');
  assert.equal(expected, '00a93c1152e48914274fa80824687061c183090302');
  // A large incompressible input fills the dictionary and resets it many times.
  let x = 2463534242;
  const noisy = Uint8Array.from({ length: 50_000 }, () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x & 0xff;
  });
  const first = lzwCompress(noisy);
  for (const input of [noisy, small, new Uint8Array(0), noisy.subarray(0, 777), small]) {
    const z = lzwCompress(input);
    assert.deepEqual(lzwDecompress(z), input);
  }
  assert.equal(Buffer.from(lzwCompress(small)).toString('hex'), expected);
  assert.deepEqual(lzwCompress(noisy), first);
  // Results are copies: a later call does not overwrite an earlier result.
  const a = lzwCompress(small);
  lzwCompress(noisy);
  assert.equal(Buffer.from(a).toString('hex'), expected);
});

test('compressIfSmaller makes the same choice as compressing in full, and gives up early only when the result could not be smaller', () => {
  const random = seededRandom(11);
  let kept = 0;
  let dropped = 0;
  for (let n = 0; n < 3_000; n++) {
    const length = 1 + random.int(n < 1_500 ? 80 : 1_500);
    // From incompressible to very repetitive.
    const alphabet = 1 + random.int(n % 3 === 0 ? 256 : 8);
    const payload = Uint8Array.from({ length }, () => random.int(alphabet));
    const full = encodeCompressMsg(payload);
    const expected = full.length < payload.length ? full : undefined;
    const got = compressIfSmaller(payload);
    assert.deepEqual(got, expected, `length ${length}, alphabet ${alphabet}`);
    if (expected) kept++;
    else dropped++;
  }
  assert.ok(kept > 300 && dropped > 300, `kept ${kept}, dropped ${dropped}`);
});

test('lzwCompress with a limit returns the full output when it fits, undefined when it reaches the limit', () => {
  const input = new TextEncoder().encode('abababababababababababababababab');
  const full = lzwCompress(input);
  assert.deepEqual(lzwCompress(input, full.length + 1), full);
  assert.equal(lzwCompress(input, full.length), undefined);
  assert.equal(lzwCompress(input, 1), undefined);
});

/** The outcome of a call as a comparable string: the bytes, nothing, or the error code. */
function outcome(run: () => Uint8Array | undefined): string {
  try {
    const out = run();
    return out === undefined ? 'undefined' : toHex(out);
  } catch (e) {
    return e instanceof WireError ? `error ${e.code}` : `untyped ${String(e)}`;
  }
}

test('the WebAssembly codec and the TypeScript model agree: outputs, limits, garbage and bombs', () => {
  const random = seededRandom(20261122);
  for (let n = 0; n < 2_000; n++) {
    const length = random.int(n % 50 === 0 ? 70_000 : n % 5 === 0 ? 6_000 : 200);
    const alphabet = 1 + random.int(n % 3 === 0 ? 256 : 6);
    const input = Uint8Array.from({ length }, () => random.int(alphabet));
    const compressed = lzwCompress(input);
    assert.equal(toHex(compressed), toHex(referenceCompress(input)), `compress, length ${length}`);
    assert.deepEqual(lzwDecompress(compressed), input);
    const limit = random.int(compressed.length + 2);
    assert.equal(outcome(() => lzwCompress(input, limit)), outcome(() => referenceCompress(input, limit)), `limit ${limit}`);
    // Damaged and random streams: the same bytes or the same typed error.
    const damaged = compressed.slice(0, random.int(compressed.length + 1));
    if (damaged.length > 0) {
      const at = random.int(damaged.length);
      damaged[at] = damaged[at]! ^ (1 << random.int(8));
    }
    const garbage = Uint8Array.from({ length: random.int(400) }, () => random.int(256));
    for (const stream of [damaged, garbage]) {
      const max = random.int(3) === 0 ? random.int(64) : 5_000;
      assert.equal(outcome(() => lzwDecompress(stream, max)), outcome(() => referenceDecompress(stream, max)));
    }
  }
});

test('decompression grows its output area as needed, and works as before after a huge message', () => {
  const zeros = new Uint8Array(12 * 1024 * 1024);
  const bomb = lzwCompress(zeros);
  assert.equal(lzwDecompress(bomb, zeros.length).length, zeros.length);
  const small = new TextEncoder().encode('after the big one');
  assert.deepEqual(lzwDecompress(lzwCompress(small)), small);
});
