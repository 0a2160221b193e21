import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRandom } from '@shoal/kit';
import { decodeStream, encodePushPull, encodeStream, encodeUserMsgStream, StreamDecoder, type StreamMessage } from './stream.js';
import { encodeMessage, type PacketMessage, type PushNodeState } from './messages.js';
import { Keyring } from './keyring.js';
import { WireError, WireErrorCode } from './errors.js';
import { expectedMessage, fromGo, hex, loadFixture, schemaFor, toHex, type GoMessage, type GoValue } from './go-fixtures.js';
import type { EncryptionVersion } from './security.js';
import { MessageType } from './types.js';

interface StreamFixture {
  name: string;
  description: string;
  keys: string[];
  version: EncryptionVersion | null;
  label: string;
  nonce: string | null;
  compressed: boolean;
  inner: string;
  hex: string;
  kind: 'pushPull' | 'user' | 'message';
  header?: GoValue;
  nodes?: GoValue[];
  userState?: string;
  userMsg?: string;
  message?: GoMessage;
}
const fixtures = loadFixture<{ streams: StreamFixture[] }>('streams.json').streams;
const isCode = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;

function expected(f: StreamFixture): StreamMessage {
  if (f.kind === 'pushPull') {
    return { type: MessageType.PushPull, join: f.header!.Join as boolean, nodes: f.nodes!.map((n) => fromGo(schemaFor('pushNodeState'), n) as PushNodeState), userState: hex(f.userState!) };
  }
  if (f.kind === 'user') return { type: MessageType.User, payload: hex(f.userMsg!) };
  return expectedMessage(f.message!) as StreamMessage;
}

function reencodeInner(m: StreamMessage): Uint8Array {
  if (m.type === MessageType.PushPull) return encodePushPull(m.join, m.nodes, m.userState);
  if (m.type === MessageType.User) return encodeUserMsgStream(m.payload);
  return encodeMessage(m as PacketMessage);
}

for (const f of fixtures) {
  test(`Go stream ${f.name} (${f.description}): decodes whole and in pieces; re-encodes byte-identically`, () => {
    const keyring = f.keys.length === 0 ? undefined : Keyring.create([], hex(f.keys[0]!));
    const bytes = hex(f.hex);
    const whole = decodeStream(bytes, { keyring, label: f.label });
    assert.deepEqual(whole.message, expected(f));
    assert.equal(whole.encrypted, keyring !== undefined);
    assert.equal(whole.compressed, f.compressed);
    assert.equal(whole.rest.length, 0);
    // Fed in random chunks (and with trailing bytes), the incremental reader agrees.
    const rnd = createRandom(bytes.length);
    const d = new StreamDecoder({ keyring, label: f.label });
    const withTail = Uint8Array.of(...bytes, 0xee, 0xff);
    let r: ReturnType<StreamDecoder['push']> = 'need-more';
    let at = 0;
    while (r === 'need-more') {
      assert.ok(at < withTail.length, `seed ${rnd.seed}: still needs more after all bytes`);
      const n = 1 + rnd.int(Math.min(64, withTail.length - at));
      r = d.push(withTail.subarray(at, at + n));
      at += n;
    }
    assert.deepEqual(r.message, expected(f), `seed ${rnd.seed}`);
    assert.deepEqual([...r.rest, ...withTail.subarray(at)], [0xee, 0xff]);

    const inner = reencodeInner(whole.message);
    assert.equal(toHex(inner), f.inner);
    const again = encodeStream(inner, {
      compress: f.compressed,
      keyring,
      encryptionVersion: f.version ?? 1,
      label: f.label,
      writeLabelHeader: true,
      randomBytes: () => hex(f.nonce!),
    });
    assert.equal(toHex(again), f.hex);
  });
}

const key = hex('000102030405060708090a0b0c0d0e0f');
const nonce = (): Uint8Array => hex('a0a1a2a3a4a5a6a7a8a9aaab');
const pingMin = hex('0082a44e6f6465a66e6f64652d62a55365714e6f01');

test('spec §7: full labelled TCP stream carrying ping_min (AAD = header + label)', () => {
  const ciphertext = 'aa049cf511ed56ace417d1656b701533369f6d6782'; // as in the v1 vector: same key, nonce, plaintext
  const want = 'f40470726f64' + '0a00000032' + '01a0a1a2a3a4a5a6a7a8a9aaab' + ciphertext + '802af9002178ec2d89132332a48deefa';
  const keyring = Keyring.create([], key);
  assert.equal(toHex(encodeStream(pingMin, { keyring, label: 'prod', writeLabelHeader: true, randomBytes: nonce })), want);
  const r = decodeStream(hex(want), { keyring, label: 'prod' });
  assert.equal(r.message.type, MessageType.Ping);
  // The reply direction has no label header but still uses the label as AAD.
  const reply = encodeStream(pingMin, { keyring, label: 'prod', randomBytes: nonce });
  assert.equal(toHex(reply), want.slice(12));
  assert.equal(decodeStream(reply, { keyring, label: 'prod', readLabelHeader: false }).label, 'prod');
});

test('stream rejections and limits', () => {
  const keyring = Keyring.create([], key);
  const sealed = encodeStream(pingMin, { keyring, randomBytes: nonce });
  assert.throws(() => decodeStream(sealed), isCode(WireErrorCode.EncryptionNotConfigured));
  assert.throws(() => decodeStream(sealed, { keyring: Keyring.create([], new Uint8Array(16)) }), isCode(WireErrorCode.Decrypt));
  assert.throws(() => decodeStream(pingMin, { keyring }), isCode(WireErrorCode.NotEncrypted));
  assert.equal(decodeStream(pingMin, { keyring, gossipVerifyIncoming: false }).encrypted, false);
  assert.throws(() => decodeStream(encodeStream(pingMin, { label: 'a', writeLabelHeader: true }), { label: 'b' }), isCode(WireErrorCode.LabelMismatch));
  // Encrypted frame longer than 20 MiB: refused on its header alone.
  assert.throws(() => new StreamDecoder({ keyring }).push(hex('0a01400001')), isCode(WireErrorCode.TooLarge));
  // Types that are not stream messages.
  assert.throws(() => decodeStream(hex('0381')), isCode(WireErrorCode.UnexpectedType));
  assert.throws(() => decodeStream(hex('63')), isCode(WireErrorCode.UnknownType));
  assert.throws(() => decodeStream(new Uint8Array(0)), isCode(WireErrorCode.Truncated));
});

test('claimed counts and lengths are never preallocated', () => {
  // pushPull claiming 1,000,000 nodes followed by 10 bytes: waits for more, holds only what arrived.
  const header = hex('0683a44a6f696ec2a54e6f646573ce000f4240ac5573657253746174654c656e00');
  const d = new StreamDecoder();
  assert.equal(d.push(Uint8Array.of(...header, ...new Uint8Array(10).fill(0x80))), 'need-more');
  assert.throws(() => d.end(), isCode(WireErrorCode.Truncated));
  // Over the limits: refused as soon as the header is read.
  assert.throws(() => decodeStream(hex('0683a44a6f696ec2a54e6f646573ce00100001ac5573657253746174654c656e00')), isCode(WireErrorCode.TooLarge));
  assert.throws(() => decodeStream(hex('0683a44a6f696ec2a54e6f64657300ac5573657253746174654c656ece01400001')), isCode(WireErrorCode.TooLarge));
  assert.throws(() => decodeStream(hex('0683a44a6f696ec2a54e6f646573ffac5573657253746174654c656e00')), isCode(WireErrorCode.TooLarge), 'negative Nodes');
  assert.throws(() => decodeStream(hex('0881aa557365724d73674c656ece01400001')), isCode(WireErrorCode.TooLarge));
  const um = new StreamDecoder();
  assert.equal(um.push(hex('0881aa557365724d73674c656ece01000000')), 'need-more', '16 MiB user message announced, nothing allocated');
});

const nodeArb: fc.Arbitrary<PushNodeState> = fc.record({
  name: fc.string({ maxLength: 30 }),
  addr: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: undefined }),
  port: fc.integer({ min: 0, max: 0xffff }),
  meta: fc.option(fc.uint8Array({ maxLength: 30 }), { nil: undefined }),
  incarnation: fc.integer({ min: 0, max: 0xffffffff }),
  state: fc.integer({ min: 0, max: 3 }),
  vsn: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 }), { nil: undefined }),
});

test('property: push/pull and user streams round-trip through every layer and any chunking', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ join: fc.boolean(), nodes: fc.array(nodeArb, { maxLength: 8 }), userState: fc.uint8Array({ maxLength: 100 }) }),
        fc.uint8Array({ maxLength: 300 }),
      ),
      fc.record({ compress: fc.boolean(), encrypt: fc.boolean(), version: fc.constantFrom<EncryptionVersion>(0, 1), label: fc.constantFrom('', 'x') }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (what, o, chunks) => {
        const keyring = o.encrypt ? Keyring.create([], new Uint8Array(32).fill(3)) : undefined;
        const inner = what instanceof Uint8Array ? encodeUserMsgStream(what) : encodePushPull(what.join, what.nodes, what.userState);
        const bytes = encodeStream(inner, { ...o, keyring, encryptionVersion: o.version, writeLabelHeader: true, randomBytes: nonce });
        const d = new StreamDecoder({ keyring, label: o.label });
        let r: ReturnType<StreamDecoder['push']> = 'need-more';
        for (let at = 0, i = 0; r === 'need-more' && at < bytes.length; i++) {
          const n = chunks[i % chunks.length]!;
          r = d.push(bytes.subarray(at, at + n));
          at += n;
        }
        assert.ok(r !== 'need-more');
        const m = structuredClone(r.message);
        if (what instanceof Uint8Array) assert.deepEqual(m, { type: MessageType.User, payload: what });
        else assert.deepEqual(m, { type: MessageType.PushPull, ...structuredClone(what) });
      },
    ),
    { numRuns: 200 },
  );
});
