import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCompound, encodeCompound, encodeCompounds } from './compound.js';
import { expectedMessage, hex, loadFixture, toHex, type GoMessage } from './go-fixtures.js';
import { decodeMessages } from './packet.js';
import { WireError, WireErrorCode } from './errors.js';
import { hasCrc, unwrapCrc, wrapCrc } from './crc.js';

interface CompoundFixture {
  name: string;
  hex: string;
  parts: string[];
  truncated: number;
  error: boolean;
  messages?: GoMessage[];
}
const fixtures = loadFixture<{ compounds: CompoundFixture[] }>('compound.json').compounds;

for (const f of fixtures) {
  test(`Go compound ${f.name}: same parts and truncation count as Go's decodeCompoundMessage`, () => {
    const bytes = hex(f.hex);
    if (f.error) {
      assert.throws(() => decodeCompound(bytes.subarray(1)), (e: unknown) => e instanceof WireError && e.code === WireErrorCode.CompoundTruncated);
      return;
    }
    const r = decodeCompound(bytes.subarray(1));
    assert.deepEqual(r.parts.map(toHex), f.parts);
    assert.equal(r.truncated, f.truncated);
    if (f.messages !== undefined) {
      assert.equal(toHex(encodeCompound(f.parts.map(hex))), f.hex);
      const flat = decodeMessages(bytes);
      assert.deepEqual(flat.errors, []);
      assert.deepEqual(flat.messages, f.messages.map(expectedMessage));
    }
  });
}

test('spec §3.2: compound(ping_min, suspect) and the CRC wrapper', () => {
  const pingMin = hex('0082a44e6f6465a66e6f64652d62a55365714e6f01');
  const suspect = hex('0383a446726f6da66e6f64652d61ab496e6361726e6174696f6e02a44e6f6465a66e6f64652d62');
  assert.equal(toHex(encodeCompound([pingMin, suspect])), '0702' + '0015' + '0027' + toHex(pingMin) + toHex(suspect));
  const wrapped = wrapCrc(pingMin);
  assert.equal(toHex(wrapped), '0ce3c32310' + toHex(pingMin));
  assert.ok(hasCrc(wrapped));
  assert.deepEqual(unwrapCrc(wrapped), pingMin);
  wrapped[3]! ^= 1;
  assert.throws(() => unwrapCrc(wrapped), (e: unknown) => e instanceof WireError && e.code === WireErrorCode.Crc);
});

test('limits: more than 255 parts or a part over 65535 bytes is refused; encodeCompounds splits', () => {
  const part = Uint8Array.of(11, 0x81, 0xa5, 0x53, 0x65, 0x71, 0x4e, 0x6f, 0x01);
  assert.throws(() => encodeCompound(Array(256).fill(part)), (e: unknown) => e instanceof WireError && e.code === WireErrorCode.CompoundTooManyParts);
  assert.throws(() => encodeCompound([new Uint8Array(65536)]), (e: unknown) => e instanceof WireError && e.code === WireErrorCode.PartTooLarge);
  const split = encodeCompounds(Array(600).fill(part));
  assert.equal(split.length, 3);
  assert.deepEqual(split.map((c) => c[1]), [255, 255, 90]);
  assert.equal(encodeCompounds(Array(256).fill(part))[1], part, 'a lone leftover part is sent bare');
  assert.equal(decodeMessages(encodeCompound(Array(255).fill(part))).messages.length, 255);
});

test('property: compound round trip, and any truncation loses only trailing parts', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), fc.nat(), (parts, cutSeed) => {
      const c = encodeCompound(parts);
      const r = decodeCompound(c.subarray(1));
      assert.deepEqual(r.parts, parts);
      assert.equal(r.truncated, 0);
      const cut = 2 + 2 * parts.length + (cutSeed % (c.length - 2 * parts.length - 1));
      if (cut < c.length) {
        const t = decodeCompound(c.subarray(1, cut));
        assert.equal(t.parts.length + t.truncated, parts.length);
        assert.deepEqual(t.parts, parts.slice(0, t.parts.length));
      }
    }),
    { numRuns: 300 },
  );
});
