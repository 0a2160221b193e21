import { retransmitLimit } from './util.js';

/**
 * Something to spread by gossip (Go's Broadcast). Optional markers replace
 * Go's NamedBroadcast and UniqueBroadcast interfaces:
 * - `name`: a queued broadcast with the same name is replaced (and finished);
 * - `unique`: never compared with, nor invalidated by, other broadcasts.
 */
export interface Broadcast {
  /** Whether queuing this broadcast makes `other` (already queued) obsolete. Not asked of named or unique ones. */
  invalidates(other: Broadcast): boolean;
  /** The bytes to send. Called when the broadcast is queued and each time it is sent. */
  message(): Uint8Array;
  /** Called once, when the broadcast will not be sent again (limit reached, invalidated, pruned, reset). */
  finished(): void;
  readonly name?: string;
  readonly unique?: boolean;
  /**
   * The length of message(), when the broadcast knows it without building the
   * bytes (used instead of calling message() on enqueue).
   */
  readonly messageLength?: number;
}

class Item {
  heapIndex = -1;
  bucket: Bucket | undefined = undefined;
  constructor(
    public transmits: number,
    readonly msgLen: number,
    readonly id: number,
    readonly b: Broadcast,
    readonly name: string | undefined,
  ) {}
}

/** Go's btree order: fewer transmits first, then longer messages, then newer (higher id). */
function less(a: Item, b: Item): boolean {
  if (a.transmits !== b.transmits) return a.transmits < b.transmits;
  if (a.msgLen !== b.msgLen) return a.msgLen > b.msgLen;
  return a.id > b.id;
}

/** Items of one (transmits, length) pair: a max-heap on id, so the newest is on top. */
class Bucket {
  readonly items: Item[] = [];

  get size(): number {
    return this.items.length;
  }

  top(): Item | undefined {
    return this.items[0];
  }

  push(item: Item): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.#up(item.heapIndex);
  }

  remove(item: Item): void {
    const items = this.items;
    const i = item.heapIndex;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  #up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.id >= item.id) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]!.id > items[child]!.id) child++;
      const c = items[child]!;
      if (c.id <= item.id) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}

/**
 * All items with one transmit count, bucketed by message length. Buckets stay
 * when they empty: items move tier to tier on every send, and re-creating
 * buckets each time would churn the garbage collector.
 */
class Tier {
  readonly buckets = new Map<number, Bucket>();
  /** Lengths that have a bucket, longest first. */
  lengths: number[] = [];
  size = 0;

  add(item: Item): void {
    let bucket = this.buckets.get(item.msgLen);
    if (bucket === undefined) {
      bucket = new Bucket();
      this.buckets.set(item.msgLen, bucket);
      const lens = this.lengths;
      let i = 0;
      while (i < lens.length && lens[i]! > item.msgLen) i++;
      lens.splice(i, 0, item.msgLen);
    }
    bucket.push(item);
    item.bucket = bucket;
    this.size++;
  }

  remove(item: Item): void {
    item.bucket!.remove(item);
    item.bucket = undefined;
    this.size--;
  }

  /** The first item in queue order whose length is at most `free`: the longest that fits, newest first. */
  firstFitting(free: number): Item | undefined {
    if (this.size === 0) return undefined;
    const lens = this.lengths;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      if (len > free) continue;
      const top = this.buckets.get(len)!.top();
      if (top !== undefined) return top;
    }
    return undefined;
  }
}

/**
 * Gossip's outbox (Go's TransmitLimitedQueue). Each broadcast is sent a
 * limited number of times — retransmitMult × ceil(log10(n + 1)) — and the
 * least-sent go first, so new information spreads before old.
 *
 * Go keeps one B-tree ordered by (transmits, −length, −id). Here each transmit
 * count has buckets per message length holding a heap on id: the common
 * operations (take the longest message that fits among the least-sent, add,
 * replace by name) cost O(log n) whatever the queue's size.
 */
export class TransmitLimitedQueue {
  /** Current cluster size estimate, read on every getBroadcasts. */
  numNodes: () => number;
  retransmitMult: number;
  #tiers: (Tier | undefined)[] = [];
  #byName = new Map<string, Item>();
  #size = 0;
  #idGen = 0;

  constructor(options: { numNodes: () => number; retransmitMult: number }) {
    this.numNodes = options.numNodes;
    this.retransmitMult = options.retransmitMult;
  }

  /** Queues `b`, replacing a same-named broadcast or invalidating older ones (Go's QueueBroadcast). */
  queueBroadcast(b: Broadcast, initialTransmits = 0): void {
    this.#idGen = this.#idGen >= Number.MAX_SAFE_INTEGER ? 1 : this.#idGen + 1;
    const name = b.name !== undefined && b.name !== '' ? b.name : undefined;
    const item = new Item(initialTransmits, b.messageLength ?? b.message().length, this.#idGen, b, name);
    if (name !== undefined) {
      const old = this.#byName.get(name);
      if (old) {
        old.b.finished();
        this.#delete(old);
      }
    } else if (!b.unique) {
      const remove: Item[] = [];
      for (const tier of this.#tiers) {
        if (!tier) continue;
        for (const bucket of tier.buckets.values()) {
          for (const cur of bucket.items) {
            if (cur.b.name !== undefined || cur.b.unique) continue;
            if (b.invalidates(cur.b)) remove.push(cur);
          }
        }
      }
      for (const cur of remove) {
        cur.b.finished();
        this.#delete(cur);
      }
    }
    this.#add(item);
  }

  /**
   * Takes broadcasts to send, at most `limit` bytes counting `overhead` per
   * message (Go's GetBroadcasts): from the least-sent tier up, in each tier
   * the longest message that still fits, newest first. Each one taken counts a
   * transmit; those reaching the limit are finished and dropped.
   */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    return this.takeBroadcasts(overhead, limit).map((b) => b.message());
  }

  /** getBroadcasts, returning the broadcasts themselves (the engine reads their messages lazily). */
  takeBroadcasts(overhead: number, limit: number): Broadcast[] {
    const out: Broadcast[] = [];
    if (this.#size === 0) return out;
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const reinsert: Item[] = [];
    let bytesUsed = 0;
    const maxT = this.#maxTier();
    for (let t = this.#minTier(); t <= maxT; ) {
      const free = limit - bytesUsed - overhead;
      if (free <= 0) break;
      const tier = this.#tiers[t];
      const keep = tier?.firstFitting(free);
      if (!keep) {
        t++;
        continue;
      }
      bytesUsed += overhead + keep.msgLen;
      out.push(keep.b);
      this.#detach(keep);
      if (keep.transmits + 1 >= transmitLimit) {
        this.#forget(keep);
        keep.b.finished();
      } else {
        keep.transmits++;
        reinsert.push(keep);
      }
    }
    for (const item of reinsert) this.#attach(item);
    return out;
  }

  /** Broadcasts queued. */
  numQueued(): number {
    return this.#size;
  }

  /** Finishes and drops everything (Go's Reset). */
  reset(): void {
    for (const item of this.#ordered()) item.b.finished();
    this.#tiers = [];
    this.#byName.clear();
    this.#size = 0;
    this.#idGen = 0;
  }

  /** Keeps the `maxRetain` first in queue order; the most-sent are finished and dropped (Go's Prune). */
  prune(maxRetain: number): void {
    if (this.#size <= maxRetain) return;
    const ordered = this.#ordered();
    for (let i = ordered.length - 1; i >= Math.max(0, maxRetain); i--) {
      const item = ordered[i]!;
      item.b.finished();
      this.#delete(item);
    }
  }

  /** The queue in send order with each item's transmit count: for tests and diagnostics. */
  orderedView(): { broadcast: Broadcast; transmits: number; length: number; id: number }[] {
    return this.#ordered().map((i) => ({ broadcast: i.b, transmits: i.transmits, length: i.msgLen, id: i.id }));
  }

  #ordered(): Item[] {
    const all: Item[] = [];
    for (const tier of this.#tiers) if (tier) for (const bucket of tier.buckets.values()) all.push(...bucket.items);
    return all.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  }

  #maxTier(): number {
    const tiers = this.#tiers;
    for (let t = tiers.length - 1; t >= 0; t--) {
      const tier = tiers[t];
      if (tier !== undefined && tier.size > 0) return t;
    }
    return -1;
  }

  #minTier(): number {
    const tiers = this.#tiers;
    for (let t = 0; t < tiers.length; t++) {
      const tier = tiers[t];
      if (tier !== undefined && tier.size > 0) return t;
    }
    return tiers.length;
  }

  #add(item: Item): void {
    this.#attach(item);
    if (item.name !== undefined) this.#byName.set(item.name, item);
  }

  #delete(item: Item): void {
    this.#detach(item);
    this.#forget(item);
  }

  /** Puts an item in its tier (and counts it). */
  #attach(item: Item): void {
    let tier = this.#tiers[item.transmits];
    if (tier === undefined) {
      while (this.#tiers.length <= item.transmits) this.#tiers.push(undefined);
      tier = new Tier();
      this.#tiers[item.transmits] = tier;
    }
    tier.add(item);
    this.#size++;
  }

  /** Takes an item out of its tier; like Go, the id generator restarts whenever the queue empties. */
  #detach(item: Item): void {
    this.#tiers[item.transmits]!.remove(item);
    this.#size--;
    if (this.#size === 0) this.#idGen = 0;
  }

  /** Drops the name index entry of an item leaving for good. */
  #forget(item: Item): void {
    if (item.name !== undefined && this.#byName.get(item.name) === item) this.#byName.delete(item.name);
  }
}
