/**
 * Seedable pseudo-random numbers: xoshiro128** (Blackman & Vigna), seeded with
 * splitmix32. Not for cryptography. Written here rather than taken from npm
 * because it is 40 lines, must be bit-for-bit stable across releases (seeds in
 * bug reports must keep replaying), and sits on the simulator's hot path.
 */
export interface Random {
  /** The seed this generator started from (print it; it replays the run). */
  readonly seed: number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [0, maxExclusive). `maxExclusive` must be in 1..2^32. */
  int(maxExclusive: number): number;
  /** Uniform integer in [min, maxExclusive). */
  intBetween(min: number, maxExclusive: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** A uniformly chosen element, or undefined when empty. */
  pick<T>(items: readonly T[]): T | undefined;
  /** Up to k distinct elements chosen uniformly (fewer when items has fewer). */
  sample<T>(items: readonly T[], k: number): T[];
  /** A new independent generator whose seed is drawn from this one. */
  fork(): Random;
}

const TWO_POW_32 = 4294967296;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Xoshiro128 implements Random {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    this.seed = seed;
    // Fold the high bits of a 53-bit seed in, so seeds above 2^32 stay distinct.
    const mix = splitmix32((seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x27d4eb2d));
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#d = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive >= 1 && maxExclusive <= TWO_POW_32) || !Number.isInteger(maxExclusive)) {
      throw new RangeError(`int(max) needs an integer max in 1..2^32, got ${maxExclusive}`);
    }
    // Lemire-style rejection keeps the result unbiased.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  intBetween(min: number, maxExclusive: number): number {
    return min + this.int(maxExclusive - min);
  }

  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }

  sample<T>(items: readonly T[], k: number): T[] {
    const n = items.length;
    if (k >= n) return this.shuffle(items.slice());
    if (k <= 0) return [];
    // Partial Fisher–Yates over an index map: O(k) time and memory.
    const swapped = new Map<number, number>();
    const out: T[] = new Array(k);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const atJ = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      out[i] = items[atJ]!;
    }
    return out;
  }

  fork(): Random {
    return new Xoshiro128(this.uint32() * 2097152 + (this.uint32() >>> 11));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A generator with the given seed. */
export function seededRandom(seed: number): Random {
  return new Xoshiro128(seed);
}
