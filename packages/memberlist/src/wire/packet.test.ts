import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePacket, encodePacket, encodePackets } from './packet.js';
import { encodeMessage, type PacketMessage } from './messages.js';
import { Keyring } from './keyring.js';
import { WireError, WireErrorCode } from './errors.js';
import { expectedMessage, hex, loadFixture, toHex, type GoMessage } from './go-fixtures.js';
import type { EncryptionVersion } from './security.js';

interface PacketFixture {
  name: string;
  description: string;
  keys: string[];
  encryptKey: string | null;
  version: EncryptionVersion | null;
  label: string;
  nonce: string | null;
  compressed: boolean;
  crc: boolean;
  inner: string;
  hex: string;
  messages: GoMessage[];
}
const fixtures = loadFixture<{ packets: PacketFixture[] }>('packets.json').packets;
const isCode = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;

function ringOf(f: PacketFixture): Keyring | undefined {
  return f.keys.length === 0 ? undefined : Keyring.create(f.keys.map(hex), hex(f.keys[0]!));
}

for (const f of fixtures) {
  test(`Go packet ${f.name} (${f.description}): decodes exactly; re-encodes byte-identically`, () => {
    const keyring = ringOf(f);
    const r = decodePacket(hex(f.hex), { keyring, label: f.label });
    assert.deepEqual(r.errors, []);
    assert.equal(r.truncatedParts, 0);
    assert.equal(r.crc, f.crc);
    assert.equal(r.encrypted, keyring !== undefined);
    assert.equal(r.label, f.label);
    assert.deepEqual(r.messages, f.messages.map(expectedMessage));

    const parts = r.messages.map(encodeMessage);
    assert.equal(toHex(parts.length === 1 ? parts[0]! : encodePacket(parts)), f.inner, 'inner message');
    const sender = f.encryptKey === null ? undefined : Keyring.create([], hex(f.encryptKey));
    const again = encodePacket(parts, {
      compress: f.compressed || f.name.startsWith('incompressible'),
      crc: f.crc,
      keyring: sender,
      encryptionVersion: f.version ?? 1,
      label: f.label,
      randomBytes: () => hex(f.nonce!),
    });
    assert.equal(toHex(again), f.hex);
  });
}

const key = hex('000102030405060708090a0b0c0d0e0f');
const nonce = (): Uint8Array => hex('a0a1a2a3a4a5a6a7a8a9aaab');
const pingMin = hex('0082a44e6f6465a66e6f64652d62a55365714e6f01');

test('spec §7: full labelled UDP packet with a CRC-wrapped ping', () => {
  // The spec prints this as "01 a0a1…ab 65fb…" and states 61 bytes; its elision also swallows the
  // first ciphertext byte a6 (= keystream aa, as in the v1 vector, xor the CRC type byte 0c).
  const want = 'f40470726f64' + '01a0a1a2a3a4a5a6a7a8a9aaab' + 'a6' + '65fb986e89b1aec417d165e07cdf0436c341add0724ce14a110a07509488df823a0d90877a2b05cb46';
  const keyring = Keyring.create([], key);
  assert.equal(want.length / 2, 61);
  assert.equal(toHex(encodePacket(pingMin, { crc: true, keyring, label: 'prod', randomBytes: nonce })), want);
  const r = decodePacket(hex(want), { keyring, label: 'prod' });
  assert.equal(r.crc, true);
  assert.deepEqual(r.messages, [{ type: 0, body: { seqNo: 1, node: 'node-b', sourceAddr: undefined, sourcePort: 0, sourceNode: '' } }]);
  // The label is authenticated: the same bytes under another label fail to decrypt.
  const relabelled = hex('f40470726f65' + want.slice(12));
  assert.throws(() => decodePacket(relabelled, { keyring, label: 'proe' }), isCode(WireErrorCode.Decrypt));
});

test('rejections: wrong key, label mismatch, plaintext under verify-incoming, bad CRC', () => {
  const keyring = Keyring.create([], key);
  const sealed = encodePacket(pingMin, { crc: true, keyring, label: 'prod', randomBytes: nonce });
  assert.throws(() => decodePacket(sealed, { keyring: Keyring.create([], new Uint8Array(32)), label: 'prod' }), isCode(WireErrorCode.Decrypt));
  assert.throws(() => decodePacket(sealed, { keyring, label: 'dev' }), isCode(WireErrorCode.LabelMismatch));
  assert.throws(() => decodePacket(sealed, { keyring }), isCode(WireErrorCode.LabelMismatch));
  const plain = encodePacket(pingMin, { crc: true });
  assert.throws(() => decodePacket(plain, { keyring }), (e: unknown) => e instanceof WireError && (e.code === WireErrorCode.Decrypt || e.code === WireErrorCode.NotEncrypted));
  assert.throws(() => decodePacket(pingMin, { keyring }), (e: unknown) => e instanceof WireError);
  // Rolling upgrade: with verify-incoming off, plaintext is accepted and encrypted still decrypts.
  assert.equal(decodePacket(plain, { keyring, gossipVerifyIncoming: false }).encrypted, false);
  assert.equal(decodePacket(sealed, { keyring, label: 'prod', gossipVerifyIncoming: false }).encrypted, true);
  // Sender with verify-outgoing off sends plaintext.
  assert.deepEqual(encodePacket(pingMin, { keyring, gossipVerifyOutgoing: false }), pingMin);
  const badCrc = plain.slice();
  badCrc[badCrc.length - 1]! ^= 0x40;
  assert.throws(() => decodePacket(badCrc), isCode(WireErrorCode.Crc));
  assert.throws(() => decodePacket(new Uint8Array(0)), isCode(WireErrorCode.EmptyPacket));
});

test('per-message errors do not drop the rest of a compound', () => {
  const good = encodeMessage({ type: 11, body: { seqNo: 5 } });
  const r = decodePacket(encodePacket([good, Uint8Array.of(0x04, 0x81), Uint8Array.of(0xc8), Uint8Array.of(0x0c, 0, 0, 0, 0, 1), new Uint8Array(0), good]));
  assert.equal(r.messages.length, 2);
  assert.deepEqual(r.errors.map((e) => e.code), [WireErrorCode.Truncated, WireErrorCode.UnknownType, WireErrorCode.UnexpectedType, WireErrorCode.EmptyPacket]);
  // A truncated compound keeps the parts that fit and counts the rest.
  const c = encodePacket([good, good, good]);
  const t = decodePacket(c.subarray(0, c.length - 3));
  assert.equal(t.messages.length, 2);
  assert.equal(t.truncatedParts, 1);
});

test('more than 255 messages are split over several packets', () => {
  const part = encodeMessage({ type: 11, body: { seqNo: 1 } });
  const packets = encodePackets(Array(300).fill(part), { crc: true });
  assert.equal(packets.length, 2);
  assert.equal(packets.reduce((n, p) => n + decodePacket(p).messages.length, 0), 300);
});

const bytesArb = fc.uint8Array({ maxLength: 40 });
const optBytes = fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined });
const name = fc.string({ maxLength: 40 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
export const messageArb: fc.Arbitrary<PacketMessage> = fc.oneof(
  fc.record({ type: fc.constant(0 as const), body: fc.record({ seqNo: u32, node: name, sourceAddr: optBytes, sourcePort: u16, sourceNode: name }) }),
  fc.record({
    type: fc.constant(1 as const),
    body: fc.record({ seqNo: u32, target: optBytes, port: u16, node: name, nack: fc.boolean(), sourceAddr: optBytes, sourcePort: u16, sourceNode: name }),
  }),
  fc.record({ type: fc.constant(2 as const), body: fc.record({ seqNo: u32, payload: optBytes }) }),
  fc.record({ type: fc.constant(11 as const), body: fc.record({ seqNo: u32 }) }),
  fc.record({ type: fc.constant(3 as const), body: fc.record({ incarnation: u32, node: name, from: name }) }),
  fc.record({ type: fc.constant(5 as const), body: fc.record({ incarnation: u32, node: name, from: name }) }),
  fc.record({ type: fc.constant(4 as const), body: fc.record({ incarnation: u32, node: name, addr: optBytes, port: u16, meta: optBytes, vsn: optBytes }) }),
  fc.record({ type: fc.constant(8 as const), payload: bytesArb }),
);

/** What a decode yields: omitempty zero values read back as undefined/''/0, and empty optional bytes as empty. */
function normalised(arb: PacketMessage): PacketMessage {
  const m = structuredClone(arb); // fast-check records have a null prototype
  if (m.type !== 0 && m.type !== 1) return m;
  const b = { ...m.body } as Record<string, unknown>;
  if ((b.sourceAddr as Uint8Array | undefined)?.length === 0) b.sourceAddr = undefined;
  return { ...m, body: b } as PacketMessage;
}

test('property: packet round trip through every layer', () => {
  fc.assert(
    fc.property(
      fc.array(messageArb, { minLength: 1, maxLength: 12 }),
      fc.record({ compress: fc.boolean(), crc: fc.boolean(), encrypt: fc.boolean(), version: fc.constantFrom<EncryptionVersion>(0, 1), label: fc.constantFrom('', 'prod', 'ü-label') }),
      (messages, o) => {
        const keyring = o.encrypt ? Keyring.create([], new Uint8Array(24).fill(7)) : undefined;
        const packet = encodePacket(messages.map(encodeMessage), { ...o, keyring, encryptionVersion: o.version, randomBytes: nonce });
        const r = decodePacket(packet, { keyring, label: o.label });
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.messages, messages.map(normalised));
      },
    ),
    { numRuns: 300 },
  );
});
