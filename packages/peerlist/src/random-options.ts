import { secureRandomBytes, seededRandom, type Random } from '@shoal/kit';

export interface RandomOptions {
  /** Source of choices. Default: seeded from `seed`, else from the OS. */
  random?: Random;
  seed?: number;
}

export function randomSource(options: RandomOptions): Random {
  return options.random ?? seededRandom(options.seed ?? freshSeed());
}

/**
 * A 48-bit seed from the OS. (kit's cryptoSeed asks node:crypto randomInt for
 * a 2^48 range, one more than Node 20 allows, so it throws; this avoids it.)
 */
export function freshSeed(): number {
  const b = secureRandomBytes(6);
  return ((b[0]! << 8) | b[1]!) * 2 ** 32 + (((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0);
}
