import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decryptPayload, encryptedLength, encryptOverhead, encryptPayload, type EncryptionVersion } from './security.js';
import { Keyring, validateKey } from './keyring.js';
import { WireError, WireErrorCode } from './errors.js';
import { hex, loadFixture, toHex } from './go-fixtures.js';

const isCode = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;
const key = hex('000102030405060708090a0b0c0d0e0f');
const nonce = hex('a0a1a2a3a4a5a6a7a8a9aaab');
const fixedNonce = (): Uint8Array => nonce.slice();
const pingMin = hex('0082a44e6f6465a66e6f64652d62a55365714e6f01');
const noAad = new Uint8Array(0);

test('spec §7 vectors: v1 without and with AAD, v0 with PKCS7', () => {
  assert.equal(
    toHex(encryptPayload(1, key, pingMin, noAad, fixedNonce)),
    '01a0a1a2a3a4a5a6a7a8a9aaabaa049cf511ed56ace417d1656b701533369f6d6782ee2c8747e93b12b7fd98feb40b4fd6e9',
  );
  // The spec elides this one as "…6f6d6782dc84…": same ciphertext as without AAD, different tag.
  const withAad = toHex(encryptPayload(1, key, pingMin, new TextEncoder().encode('lbl'), fixedNonce));
  assert.equal(withAad, '01a0a1a2a3a4a5a6a7a8a9aaabaa049cf511ed56ace417d1656b701533369f6d6782' + 'dc84047e5994cff61e16d9c4876d695f');
  const v0 = encryptPayload(0, key, pingMin, noAad, fixedNonce);
  assert.equal(
    toHex(v0),
    '00a0a1a2a3a4a5a6a7a8a9aaab' + 'aa049cf511ed56ace417d1656b701533369f6d67821c36a42e1b7a90498684a3131a39baef635d688511541616dfba51',
  );
  assert.deepEqual(decryptPayload([key], v0, noAad), pingMin);
  assert.equal(v0.length, encryptedLength(0, pingMin.length));
  assert.equal(encryptOverhead(0), 45);
  assert.equal(encryptOverhead(1), 29);
});

test('wrong key, wrong AAD, bad version, short input: typed errors', () => {
  const sealed = encryptPayload(1, key, pingMin, noAad, fixedNonce);
  const other = new Uint8Array(16).fill(9);
  assert.throws(() => decryptPayload([other], sealed, noAad), isCode(WireErrorCode.Decrypt));
  assert.throws(() => decryptPayload([key], sealed, Uint8Array.of(1)), isCode(WireErrorCode.Decrypt));
  assert.deepEqual(decryptPayload([other, key], sealed, noAad), pingMin, 'every key is tried');
  const v2 = sealed.slice();
  v2[0] = 2;
  assert.throws(() => decryptPayload([key], v2, noAad), isCode(WireErrorCode.EncryptionVersion));
  assert.throws(() => decryptPayload([key], sealed.subarray(0, 28), noAad), isCode(WireErrorCode.CiphertextTooShort));
  assert.throws(() => decryptPayload([key], new Uint8Array(0), noAad), isCode(WireErrorCode.CiphertextTooShort));
  assert.throws(() => decryptPayload([key], Uint8Array.of(0, ...new Uint8Array(40)), noAad), isCode(WireErrorCode.CiphertextTooShort), 'v0 minimum is 45');
});

test('property: every key size and version round-trips', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(16, 24, 32),
      fc.constantFrom<EncryptionVersion>(0, 1),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (size, version, plain, aad, keySeed) => {
        const k = keySeed.subarray(0, size);
        const sealed = encryptPayload(version, k, plain, aad, fixedNonce);
        assert.equal(sealed.length, encryptedLength(version, plain.length));
        assert.deepEqual(decryptPayload([k], sealed, aad), plain);
      },
    ),
    { numRuns: 200 },
  );
});

interface KeyringFixture {
  name: string;
  keys: string[];
  primary: string;
  error: boolean;
  initial: string[];
  steps: { op: 'add' | 'use' | 'remove'; key: string; error: boolean; keys: string[] }[];
}

for (const f of loadFixture<{ keyrings: KeyringFixture[] }>('keyring.json').keyrings) {
  test(`Go Keyring behaviour ${f.name}: same keys after every step`, () => {
    const create = (): Keyring => Keyring.create(f.keys.map(hex), f.primary === '' ? undefined : hex(f.primary));
    if (f.error) {
      assert.throws(create, (e: unknown) => e instanceof WireError);
      return;
    }
    const ring = create();
    assert.deepEqual(ring.getKeys().map(toHex), f.initial);
    for (const s of f.steps) {
      const run = (): void => (s.op === 'add' ? ring.addKey(hex(s.key)) : s.op === 'use' ? ring.useKey(hex(s.key)) : ring.removeKey(hex(s.key)));
      if (s.error) assert.throws(run, (e: unknown) => e instanceof WireError, `${s.op} ${s.key}`);
      else run();
      assert.deepEqual(ring.getKeys().map(toHex), s.keys, `after ${s.op} ${s.key}`);
    }
    assert.equal(ring.getPrimaryKey() === undefined ? '' : toHex(ring.getPrimaryKey()!), f.initial.length === 0 && f.steps.length === 0 ? '' : (f.steps.at(-1)?.keys[0] ?? f.initial[0]));
  });
}

test('ValidateKey and keyring error codes', () => {
  for (const n of [16, 24, 32]) validateKey(new Uint8Array(n));
  for (const n of [0, 15, 17, 31, 33, 64]) assert.throws(() => validateKey(new Uint8Array(n)), isCode(WireErrorCode.InvalidKey));
  assert.throws(() => Keyring.create([new Uint8Array(16)]), isCode(WireErrorCode.EmptyPrimaryKey));
  const ring = Keyring.create([], new Uint8Array(16));
  assert.throws(() => ring.useKey(new Uint8Array(24)), isCode(WireErrorCode.KeyNotFound));
  assert.throws(() => ring.removeKey(new Uint8Array(16)), isCode(WireErrorCode.RemovePrimaryKey));
  assert.equal(Keyring.create().enabled, false);
  const mine = new Uint8Array(16).fill(1);
  const r2 = Keyring.create([], mine);
  mine[0] = 99;
  assert.equal(r2.getPrimaryKey()![0], 1, 'keys are copied in');
});

test('pooled nonce source: distinct nonces, drawn in blocks', async () => {
  const { pooledSecureRandom } = await import('./nonce.js');
  let draws = 0;
  let counter = 0;
  const source = (n: number): Uint8Array => {
    draws++;
    return Uint8Array.from({ length: n }, () => counter++ & 0xff);
  };
  const next = pooledSecureRandom(48, source);
  const nonces = Array.from({ length: 8 }, () => toHex(next(12)));
  assert.equal(new Set(nonces).size, 8);
  assert.equal(draws, 2);
  assert.equal(next(100).length, 100, 'larger than a block: drawn directly');
});
