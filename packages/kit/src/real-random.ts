// The one place in kit that draws entropy from the operating system.
import { randomBytes, randomInt } from 'node:crypto';
import { Xoshiro128, type Random } from './random.js';

/** A fresh 53-bit seed from the OS's cryptographic generator. */
export function cryptoSeed(): number {
  return randomInt(0, 2 ** 48) * 32 + randomInt(0, 32);
}

/** A fast PRNG seeded from the OS. Print `.seed` to replay. */
export function createRandom(seed: number = cryptoSeed()): Random {
  return new Xoshiro128(seed);
}

/** Cryptographically secure bytes (nonces, keys). Protocol code takes these through an injected source. */
export function secureRandomBytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}
