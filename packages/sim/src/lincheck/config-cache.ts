/**
 * Lowe's memo for the Wing–Gong search: the configurations already reached,
 * a configuration being (which operations are linearized, model state).
 * Reaching one again means the subtree below it was already explored.
 *
 * Operations with an unknown outcome are optional and never constrain the
 * others, so a configuration that has linearized fewer of them (and the same
 * known ones, and the same state) can do everything one with more can. The
 * memo answers "seen" for any configuration subsumed that way.
 *
 * It also keeps an estimate of the bytes it holds, so a search can stop
 * before the memo fills the heap (see SearchBudget.maxMemoryBytes).
 */
export class ConfigCache<S> {
  readonly #buckets = new Map<number, Config<S>[]>();
  readonly #equal: (a: S, b: S) => boolean;
  readonly #stateBytes: (state: S) => number;
  #size = 0;
  #bytes = 0;

  constructor(equal: (a: S, b: S) => boolean, stateBytes: (state: S) => number = () => 0) {
    this.#equal = equal;
    this.#stateBytes = stateBytes;
  }

  get size(): number {
    return this.#size;
  }

  /** Estimated bytes held: see CONFIG_ENTRY_BYTES. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records the configuration and returns true, or returns false when it is subsumed by one recorded. */
  addUnlessSubsumed(set: LinearizedSet, state: S, stateHash: number): boolean {
    const key = configKey(set.zobristLow, set.zobristHigh, stateHash);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.#buckets.set(key, bucket);
    }
    for (let i = 0; i < bucket.length; i++) {
      const held = bucket[i]!;
      if (!set.sameKnown(held.base, held.window) || !this.#equal(held.state, state)) continue;
      if (set.unknownIncludes(held.unknown)) return false;
      if (set.unknownIsIncludedIn(held.unknown)) {
        // The new configuration subsumes this one: forget it.
        this.#bytes -= this.#entryBytes(held);
        bucket[i] = bucket[bucket.length - 1]!;
        bucket.pop();
        i--;
        this.#size--;
      }
    }
    const entry = { ...set.snapshot(), state };
    bucket.push(entry);
    this.#size++;
    this.#bytes += this.#entryBytes(entry);
    return true;
  }

  #entryBytes(entry: Config<S>): number {
    return CONFIG_ENTRY_BYTES + 4 * (entry.window.length + (entry.unknown?.length ?? 0)) + this.#stateBytes(entry.state);
  }
}

/**
 * What one memo entry costs on V8 beyond its bitset words and its state: the
 * entry object, two typed arrays, the bucket array and the map slot. Measured
 * (heap growth over configurations, history of 121 fully overlapping
 * operations) at 720-745 bytes an entry with 4-word windows and shared states.
 */
export const CONFIG_ENTRY_BYTES = 720;

interface Config<S> {
  readonly base: number;
  readonly window: Uint32Array;
  readonly unknown: Uint32Array | null;
  readonly state: S;
}

/**
 * Which operations are linearized. Known operations (numbered first, by call
 * time) are kept as a bitset whose leading all-ones words are counted rather
 * than stored, so a snapshot costs the width of the concurrency window, not
 * the length of the history. Unknown operations are a separate bitset.
 */
export class LinearizedSet {
  readonly #known: Uint32Array;
  readonly #unknown: Uint32Array | null;
  readonly #knownCount: number;
  /** Leading words of #known that are all ones. */
  #full = 0;
  /** One past the last non-zero word of #known. */
  #top = 0;
  zobristLow = 0;
  zobristHigh = 0;

  constructor(knownCount: number, unknownCount: number) {
    this.#knownCount = knownCount;
    this.#known = new Uint32Array(Math.ceil(knownCount / 32));
    this.#unknown = unknownCount > 0 ? new Uint32Array(Math.ceil(unknownCount / 32)) : null;
  }

  /** Adds or removes operation `op` (known ones are 0..knownCount-1, unknown ones follow). */
  toggle(op: number): void {
    if (op >= this.#knownCount) {
      const u = op - this.#knownCount;
      const words = this.#unknown!;
      words[u >>> 5] = words[u >>> 5]! ^ (1 << (u & 31));
      return;
    }
    const w = op >>> 5;
    const words = this.#known;
    words[w] = words[w]! ^ (1 << (op & 31));
    const value = words[w]!;
    this.zobristLow = (this.zobristLow ^ zobristLow(op)) >>> 0;
    this.zobristHigh ^= zobristHigh(op);
    if (value === 0xffffffff) {
      while (this.#full < words.length && words[this.#full] === 0xffffffff) this.#full++;
    } else if (w < this.#full) {
      this.#full = w;
    }
    if (value !== 0) {
      if (w >= this.#top) this.#top = w + 1;
    } else if (w === this.#top - 1) {
      while (this.#top > 0 && words[this.#top - 1] === 0) this.#top--;
    }
  }

  snapshot(): { base: number; window: Uint32Array; unknown: Uint32Array | null } {
    const base = this.#full;
    return { base, window: this.#known.slice(base, Math.max(base, this.#top)), unknown: this.#unknown?.slice() ?? null };
  }

  sameKnown(base: number, window: Uint32Array): boolean {
    if (base !== this.#full || window.length !== Math.max(0, this.#top - base)) return false;
    const words = this.#known;
    for (let i = 0; i < window.length; i++) if (window[i] !== words[base + i]) return false;
    return true;
  }

  /** Whether every unknown operation in `other` is in this set. */
  unknownIncludes(other: Uint32Array | null): boolean {
    const mine = this.#unknown;
    if (mine === null || other === null) return true;
    for (let i = 0; i < mine.length; i++) if ((other[i]! & ~mine[i]!) !== 0) return false;
    return true;
  }

  /** Whether every unknown operation in this set is in `other`. */
  unknownIsIncludedIn(other: Uint32Array | null): boolean {
    const mine = this.#unknown;
    if (mine === null || other === null) return true;
    for (let i = 0; i < mine.length; i++) if ((mine[i]! & ~other[i]!) !== 0) return false;
    return true;
  }
}

/** Per-operation Zobrist keys: XOR-ing them in and out hashes a bitset in O(1) per change. */
function zobristLow(op: number): number {
  return mix32(op * 2 + 1);
}

function zobristHigh(op: number): number {
  return mix32(op * 2 + 2) & 0x1fffff;
}

/** Combines the bitset's Zobrist halves with a state hash into one exact-integer map key. */
function configKey(low: number, high: number, stateHash: number): number {
  const h = stateHash | 0;
  return ((high ^ Math.imul(h, 0x9e3779b1)) & 0x1fffff) * 4294967296 + ((low ^ h) >>> 0);
}

function mix32(x: number): number {
  let z = (x + 0x7f4a7c15) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
