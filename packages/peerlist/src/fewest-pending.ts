import type { Implementation, ListPeer } from './implementation.js';

interface BucketEntry {
  readonly peer: ListPeer;
  /** The bucket (pending count) it sits in, -1 once removed. */
  bucket: number;
  prev: BucketEntry | undefined;
  next: BucketEntry | undefined;
}

/**
 * Fewest pending requests first in O(1): peers sit in buckets by pending
 * count, each bucket a FIFO list, and the choice is the head of the lowest
 * non-empty bucket. A request starting or finishing moves its peer to the tail
 * of the neighbouring bucket, so equally loaded peers take turns, as in the
 * heap. Same choices as PendingHeap up to the order of ties (here: longest in
 * its bucket; there: least recently chosen), at a cost that does not grow with
 * the number of peers: a heap sifts through log2(n) levels per request, which
 * at 100,000 peers means a cache miss per level.
 */
export class FewestPending implements Implementation<BucketEntry> {
  /** Head and tail of each bucket's list, indexed by pending count. */
  readonly #heads: (BucketEntry | undefined)[] = [];
  readonly #tails: (BucketEntry | undefined)[] = [];
  /** Lowest bucket that may be non-empty (every lower one is empty). */
  #min = 0;
  #size = 0;

  add(peer: ListPeer): BucketEntry {
    const entry: BucketEntry = { peer, bucket: -1, prev: undefined, next: undefined };
    this.#append(entry, peer.pending);
    this.#size++;
    return entry;
  }

  remove(_peer: ListPeer, entry: BucketEntry): void {
    if (entry.bucket < 0) return;
    this.#unlink(entry);
    entry.bucket = -1;
    this.#size--;
  }

  choose(_key: string | undefined): ListPeer | undefined {
    if (this.#size === 0) return undefined;
    const heads = this.#heads;
    let min = this.#min;
    while (heads[min] === undefined) min++;
    this.#min = min;
    return heads[min]!.peer;
  }

  pendingChanged(entry: BucketEntry, peer: ListPeer): void {
    if (entry.bucket < 0 || entry.bucket === peer.pending) return;
    this.#unlink(entry);
    this.#append(entry, peer.pending);
  }

  choosable(): number {
    return this.#size;
  }

  #append(entry: BucketEntry, bucket: number): void {
    while (this.#heads.length <= bucket) {
      this.#heads.push(undefined);
      this.#tails.push(undefined);
    }
    entry.bucket = bucket;
    entry.next = undefined;
    const tail = this.#tails[bucket];
    entry.prev = tail;
    if (tail === undefined) this.#heads[bucket] = entry;
    else tail.next = entry;
    this.#tails[bucket] = entry;
    if (bucket < this.#min) this.#min = bucket;
  }

  #unlink(entry: BucketEntry): void {
    const bucket = entry.bucket;
    if (entry.prev === undefined) this.#heads[bucket] = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.#tails[bucket] = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
  }
}

export function fewestPending(): FewestPending {
  return new FewestPending();
}
