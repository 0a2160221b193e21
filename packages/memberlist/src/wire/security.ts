import { createCipheriv, createDecipheriv } from 'node:crypto';
import { WireError, WireErrorCode } from './errors.js';
import { validateKey } from './keyring.js';

// AES-GCM as memberlist's security.go frames it (spec §7):
// [version u8][nonce 12][GCM ciphertext ‖ tag 16]. Version 0 pads the plaintext
// with PKCS7 to 16 bytes first; version 1 does not.

export type EncryptionVersion = 0 | 1;

/** Source of nonce bytes: `(n) => n fresh random bytes`. Inject a fixed one in tests. */
export type RandomBytes = (n: number) => Uint8Array;

const VERSION_SIZE = 1;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;

/** Worst-case bytes encryption adds (Go's encryptOverhead): 45 for v0, 29 for v1. */
export function encryptOverhead(version: EncryptionVersion): number {
  return version === 0 ? VERSION_SIZE + NONCE_SIZE + BLOCK_SIZE + TAG_SIZE : VERSION_SIZE + NONCE_SIZE + TAG_SIZE;
}

/** Exact size of the encryption of `plaintextLength` bytes (Go's encryptedLength). */
export function encryptedLength(version: EncryptionVersion, plaintextLength: number): number {
  const base = VERSION_SIZE + NONCE_SIZE + plaintextLength + TAG_SIZE;
  return version === 0 ? base + (BLOCK_SIZE - (plaintextLength % BLOCK_SIZE)) : base;
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  validateKey(key);
  return key.length === 16 ? 'aes-128-gcm' : key.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

/** encryptPayload: seals `plaintext` under `key` with additional data `aad` (label, or stream header + label). */
export function encryptPayload(
  version: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  randomBytes: RandomBytes,
): Uint8Array {
  const nonce = randomBytes(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) throw new RangeError(`nonce source returned ${nonce.length} bytes, want ${NONCE_SIZE}`);
  let src = plaintext;
  if (version === 0) {
    const pad = BLOCK_SIZE - (plaintext.length % BLOCK_SIZE);
    src = new Uint8Array(plaintext.length + pad);
    src.set(plaintext);
    src.fill(pad, plaintext.length);
  }
  const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_SIZE });
  if (aad.length > 0) cipher.setAAD(aad);
  const body = cipher.update(src);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(VERSION_SIZE + NONCE_SIZE + body.length + final.length + TAG_SIZE);
  out[0] = version;
  out.set(nonce, VERSION_SIZE);
  out.set(body, VERSION_SIZE + NONCE_SIZE);
  out.set(final, VERSION_SIZE + NONCE_SIZE + body.length);
  out.set(tag, out.length - TAG_SIZE);
  return out;
}

/** True when `msg` is at least long enough and versioned like an encrypted payload (cheap pre-check). */
export function looksEncrypted(msg: Uint8Array): boolean {
  const v = msg[0];
  return (v === 0 || v === 1) && msg.length >= encryptedLength(v, 0);
}

/**
 * decryptPayload: tries every key in order (primary first) and returns the
 * plaintext of the first that authenticates. Version 0 padding is stripped as
 * Go strips it: by the last byte, unvalidated except that it cannot underflow.
 */
export function decryptPayload(keys: readonly Uint8Array[], msg: Uint8Array, aad: Uint8Array): Uint8Array {
  if (msg.length === 0) throw new WireError(WireErrorCode.CiphertextTooShort, 'cannot decrypt an empty payload');
  const version = msg[0]!;
  if (version > 1) throw new WireError(WireErrorCode.EncryptionVersion, `unsupported encryption version ${version}`);
  if (msg.length < encryptedLength(version as EncryptionVersion, 0)) {
    throw new WireError(WireErrorCode.CiphertextTooShort, `payload of ${msg.length} bytes is too small to decrypt`);
  }
  const nonce = msg.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const ciphertext = msg.subarray(VERSION_SIZE + NONCE_SIZE, msg.length - TAG_SIZE);
  const tag = msg.subarray(msg.length - TAG_SIZE);
  for (const key of keys) {
    const plain = tryOpen(key, nonce, ciphertext, tag, aad);
    if (plain === undefined) continue;
    if (version === 1) return plain;
    const pad = plain[plain.length - 1];
    if (pad === undefined) throw new WireError(WireErrorCode.Decrypt, 'version 0 payload decrypted to nothing');
    if (pad > plain.length) throw new WireError(WireErrorCode.Decrypt, `PKCS7 padding of ${pad} exceeds the ${plain.length}-byte plaintext`);
    return plain.subarray(0, plain.length - pad);
  }
  throw new WireError(WireErrorCode.Decrypt, 'no installed key could decrypt the message');
}

function tryOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const decipher = createDecipheriv(algorithm(key), key, nonce, { authTagLength: TAG_SIZE });
  decipher.setAuthTag(tag);
  if (aad.length > 0) decipher.setAAD(aad);
  const body = decipher.update(ciphertext);
  try {
    const final = decipher.final();
    if (final.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
    const out = new Uint8Array(body.length + final.length);
    out.set(body);
    out.set(final, body.length);
    return out;
  } catch {
    return undefined;
  }
}
