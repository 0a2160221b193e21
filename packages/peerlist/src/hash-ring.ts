import type { Random } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { randomSource, type RandomOptions } from './random-options.js';

export interface HashRingOptions extends RandomOptions {
  /** Virtual nodes per peer (yarpc hashring32 default 100). More smooths the split; rebuilds cost more. */
  replicas?: number;
}

interface Member {
  readonly peer: ListPeer;
  readonly points: Uint32Array;
  slot: number;
  /** Added but not merged into the ring yet. */
  fresh: boolean;
}

// Owners are packed under the hash in a float64 sort key: hash * 2^21 + slot < 2^53.
const SLOT_LIMIT = 2 ** 21;

/**
 * Consistent hashing on a ring of virtual nodes: a key goes to the first point
 * clockwise of its hash. Adding or removing one of n peers moves about 1/n of
 * the keys. Points are ordered by (hash, peer id), so every client with the
 * same peers builds the same ring whatever order it learned them in.
 *
 * Changes are batched: add/remove only record the change, and the next choose
 * merges them in one pass, O(ring + changes·log changes), instead of yarpc's
 * full re-sort per change. A choose without a key picks a random point.
 */
export class HashRing implements Implementation<Member> {
  readonly #replicas: number;
  readonly #random: Random;
  #hashes = new Uint32Array(0);
  #owners = new Int32Array(0);
  /** First ring index of each bucket of hashes (top bits), so a lookup searches one bucket. */
  #bucketStart = new Int32Array(2);
  #bucketShift = 31;
  readonly #slots: (Member | undefined)[] = [];
  /** The peer of each slot, one hop closer than through the member. */
  readonly #peerOfSlot: (ListPeer | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  readonly #fresh = new Set<Member>();
  readonly #gone: Member[] = [];
  #members = 0;

  constructor(options: HashRingOptions = {}) {
    const replicas = options.replicas ?? 100;
    if (!(replicas >= 1 && Number.isInteger(replicas))) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);
    this.#replicas = replicas;
    this.#random = randomSource(options);
  }

  add(peer: ListPeer): Member {
    const slot = this.#freeSlots.pop() ?? this.#slots.length;
    if (slot >= SLOT_LIMIT) throw new RangeError(`hash ring holds at most ${SLOT_LIMIT} peers`);
    const member: Member = { peer, points: virtualNodes(peer.id, this.#replicas), slot, fresh: true };
    this.#slots[slot] = member;
    this.#peerOfSlot[slot] = peer;
    this.#fresh.add(member);
    this.#members++;
    return member;
  }

  remove(_peer: ListPeer, member: Member): void {
    this.#members--;
    if (member.fresh) {
      this.#fresh.delete(member);
      this.#releaseSlot(member);
    } else {
      this.#gone.push(member);
    }
  }

  choose(key: string | undefined): ListPeer | undefined {
    if (this.#fresh.size > 0 || this.#gone.length > 0) this.#rebuild();
    const hashes = this.#hashes;
    const n = hashes.length;
    if (n === 0) return undefined;
    let i: number;
    if (key === undefined) {
      i = this.#random.int(n);
    } else {
      // hashString, written out: a 32-bit result above 2^30 returned from a
      // call that V8 did not inline would be boxed (16 B per choose).
      let h = 0x811c9dc5;
      for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h = (h ^ (h >>> 16)) >>> 0;
      const bucket = h >>> this.#bucketShift;
      let lo = this.#bucketStart[bucket]!;
      let hi = this.#bucketStart[bucket + 1]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (hashes[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      i = lo === n ? 0 : lo;
    }
    return this.#peerOfSlot[this.#owners[i]!];
  }

  choosable(): number {
    return this.#members;
  }

  /** The peer id owning `key` (tests and tools). */
  owner(key: string): string | undefined {
    return this.choose(key)?.id;
  }

  /** Every point in ring order, as (hash, peer id) (tools and tests). */
  points(): { hash: number; id: string }[] {
    if (this.#fresh.size > 0 || this.#gone.length > 0) this.#rebuild();
    return Array.from(this.#hashes, (hash, i) => ({ hash, id: this.#peerOfSlot[this.#owners[i]!]!.id }));
  }

  /** Number of points on the ring after pending changes are applied. */
  get size(): number {
    if (this.#fresh.size > 0 || this.#gone.length > 0) this.#rebuild();
    return this.#hashes.length;
  }

  #releaseSlot(member: Member): void {
    this.#slots[member.slot] = undefined;
    this.#peerOfSlot[member.slot] = undefined;
    this.#freeSlots.push(member.slot);
    member.slot = -1;
  }

  #rebuild(): void {
    // 1. Drop the points of removed members.
    const dead = new Uint8Array(this.#slots.length);
    for (const m of this.#gone) dead[m.slot] = 1;
    let keptHashes = this.#hashes;
    let keptOwners = this.#owners;
    if (this.#gone.length > 0) {
      let w = 0;
      keptHashes = new Uint32Array(this.#hashes.length - this.#gone.length * this.#replicas);
      keptOwners = new Int32Array(keptHashes.length);
      for (let r = 0; r < this.#hashes.length; r++) {
        const owner = this.#owners[r]!;
        if (dead[owner] === 1) continue;
        keptHashes[w] = this.#hashes[r]!;
        keptOwners[w++] = owner;
      }
      for (const m of this.#gone) this.#releaseSlot(m);
      this.#gone.length = 0;
    }
    // 2. Sort the new points, then merge the two sorted runs.
    const packed = new Float64Array(this.#fresh.size * this.#replicas);
    let k = 0;
    for (const m of this.#fresh) {
      m.fresh = false;
      for (const p of m.points) packed[k++] = p * SLOT_LIMIT + m.slot;
    }
    this.#fresh.clear();
    packed.sort();
    const addHashes = new Uint32Array(packed.length);
    const addOwners = new Int32Array(packed.length);
    for (let j = 0; j < packed.length; j++) {
      const v = packed[j]!;
      const h = Math.floor(v / SLOT_LIMIT);
      addHashes[j] = h;
      addOwners[j] = v - h * SLOT_LIMIT;
    }
    this.#orderTiesById(addHashes, addOwners);
    const total = keptHashes.length + addHashes.length;
    const hashes = new Uint32Array(total);
    const owners = new Int32Array(total);
    let a = 0;
    let b = 0;
    for (let o = 0; o < total; o++) {
      const takeKept =
        b >= addHashes.length ||
        (a < keptHashes.length &&
          (keptHashes[a]! < addHashes[b]! ||
            (keptHashes[a] === addHashes[b] && this.#idOf(keptOwners[a]!) <= this.#idOf(addOwners[b]!))));
      if (takeKept) {
        hashes[o] = keptHashes[a]!;
        owners[o] = keptOwners[a++]!;
      } else {
        hashes[o] = addHashes[b]!;
        owners[o] = addOwners[b++]!;
      }
    }
    this.#hashes = hashes;
    this.#owners = owners;
    this.#indexBuckets();
  }

  /** About eight points per bucket, at most 2^20 buckets. */
  #indexBuckets(): void {
    const n = this.#hashes.length;
    const bits = Math.min(20, Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))) - 3));
    const buckets = 2 ** bits;
    this.#bucketShift = 32 - bits;
    const start = new Int32Array(buckets + 1);
    let b = 0;
    for (let i = 0; i < n; i++) {
      const bucket = this.#hashes[i]! >>> this.#bucketShift;
      while (b <= bucket) start[b++] = i;
    }
    while (b <= buckets) start[b++] = n;
    this.#bucketStart = start;
  }

  /** Equal hashes (rare) are ordered by peer id, not by slot, so the ring is order-independent. */
  #orderTiesById(hashes: Uint32Array, owners: Int32Array): void {
    for (let start = 0; start < hashes.length; ) {
      let end = start + 1;
      while (end < hashes.length && hashes[end] === hashes[start]) end++;
      if (end - start > 1) {
        const run = Array.from(owners.subarray(start, end)).sort((x, y) => (this.#idOf(x) < this.#idOf(y) ? -1 : 1));
        owners.set(run, start);
      }
      start = end;
    }
  }

  #idOf(slot: number): string {
    return this.#slots[slot]!.peer.id;
  }
}

/** FNV-1a over UTF-16 code units, then murmur3's finalizer for avalanche. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A peer's ring points, by double hashing of its id (no per-replica strings). */
function virtualNodes(id: string, replicas: number): Uint32Array {
  const h1 = hashString(id);
  const h2 = hashString(id, 0x9747b28c) | 1;
  const points = new Uint32Array(replicas);
  for (let i = 0; i < replicas; i++) points[i] = fmix32((h1 + Math.imul(i, h2)) | 0);
  return points;
}

export function hashRing(options?: HashRingOptions): HashRing {
  return new HashRing(options);
}
