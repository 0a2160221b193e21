// The one place in kit that draws entropy from the operating system.
import { randomBytes } from 'node:crypto';
import { Xoshiro128, type Random } from './random.js';

/** A fresh 53-bit seed from the OS's cryptographic generator. */
export function cryptoSeed(): number {
  const b = randomBytes(7);
  // 53 bits: the top 21 from three bytes and a half, the low 32 from four.
  const high = ((b[0]! << 13) | (b[1]! << 5) | (b[2]! >>> 3)) & 0x1fffff;
  return high * 2 ** 32 + b.readUInt32BE(3);
}

/** A fast PRNG seeded from the OS. Print `.seed` to replay. */
export function createRandom(seed: number = cryptoSeed()): Random {
  return new Xoshiro128(seed);
}

/** Cryptographically secure bytes (nonces, keys). Protocol code takes these through an injected source. */
export function secureRandomBytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}
