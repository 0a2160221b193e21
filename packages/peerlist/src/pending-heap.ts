import type { Random } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { randomSource, type RandomOptions } from './random-options.js';

export interface HeapEntry {
  readonly peer: ListPeer;
  /** Pending count as last seen by the heap (the key may only change with a fix). */
  pending: number;
  /** Tie-breaker: when this peer was last chosen; ties go round robin. */
  last: number;
  /** Heap slot, -1 once removed (a late hook on a removed entry is ignored). */
  index: number;
}

/**
 * Fewest pending requests first (yarpc pendingheap): a binary min-heap on
 * (pending, last chosen). Choosing bumps `last`, so equally loaded peers take
 * turns. O(log n) choose, add, remove and pending update.
 *
 * Not a shared kit heap: its keys change in place (pending counts, turns),
 * so entries carry their heap index and the root's sift is deferred across a
 * choose and the pendingChanged that follows. sim's EventQueue is the other
 * kind (fixed keys, lazy cancellation, typed arrays) and kit's ManualClock a
 * short list; a generic heap would cost one or the other its speed.
 */
export class PendingHeap implements Implementation<HeapEntry> {
  readonly #heap: HeapEntry[] = [];
  readonly #random: Random;
  #sequence = 0;
  /** The root's key grew in choose and it has not been sifted down yet. */
  #rootDirty = false;

  constructor(options: RandomOptions = {}) {
    this.#random = randomSource(options);
  }

  add(peer: ListPeer): HeapEntry {
    this.#settle();
    const entry: HeapEntry = { peer, pending: peer.pending, last: ++this.#sequence, index: -1 };
    // Swap turns with a random peer, so a batch of additions does not line up
    // behind everyone else in insertion order (anti-herding, as yarpc does).
    const n = this.#heap.length;
    const other = n > 0 ? this.#heap[this.#random.int(n)]! : undefined;
    if (other !== undefined) {
      const last = other.last;
      other.last = entry.last;
      entry.last = last;
    }
    entry.index = n;
    this.#heap.push(entry);
    this.#up(n);
    if (other !== undefined) this.#fix(other.index);
    return entry;
  }

  remove(_peer: ListPeer, entry: HeapEntry): void {
    this.#settle();
    const i = entry.index;
    if (i < 0) return;
    const last = this.#heap.pop()!;
    entry.index = -1;
    if (last !== entry) {
      this.#heap[i] = last;
      last.index = i;
      this.#fix(i);
    }
  }

  /**
   * Takes the root and bumps its turn. The sift is deferred: the list's
   * pendingChanged for the same peer follows at once, and one sift then covers
   * both key changes (a third of the work of a choose + finish).
   */
  choose(_key: string | undefined): ListPeer | undefined {
    this.#settle();
    const top = this.#heap[0];
    if (top === undefined) return undefined;
    top.last = ++this.#sequence;
    this.#rootDirty = true;
    return top.peer;
  }

  pendingChanged(entry: HeapEntry, peer: ListPeer): void {
    if (entry.index < 0) return;
    const before = entry.pending;
    entry.pending = peer.pending;
    if (this.#rootDirty && entry.index === 0) {
      this.#rootDirty = false;
      this.#down(0); // only the root's key changed, and a root can only move down
      return;
    }
    this.#settle();
    if (entry.pending > before) this.#down(entry.index);
    else this.#up(entry.index);
  }

  #settle(): void {
    if (!this.#rootDirty) return;
    this.#rootDirty = false;
    if (this.#heap.length > 0) this.#down(0);
  }

  choosable(): number {
    return this.#heap.length;
  }

  /** Ids in heap order (tests). */
  order(): string[] {
    this.#settle();
    return this.#heap.map((e) => e.peer.id);
  }

  /** Throws if the heap property or index bookkeeping is broken (tests). */
  validate(): void {
    this.#settle();
    this.#heap.forEach((e, i) => {
      if (e.index !== i) throw new Error(`entry ${e.peer.id} has index ${e.index}, sits at ${i}`);
      if (i > 0 && less(e, this.#heap[(i - 1) >> 1]!)) throw new Error(`heap property broken at ${i}`);
    });
  }

  #fix(i: number): void {
    const entry = this.#heap[i]!;
    this.#down(i);
    if (entry.index === i) this.#up(i);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const e = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!less(e, p)) break;
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = e;
    e.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && less(heap[right]!, heap[child]!)) child = right;
      const c = heap[child]!;
      if (!less(c, e)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = e;
    e.index = i;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.pending < b.pending || (a.pending === b.pending && a.last < b.last);
}

export function pendingHeap(options?: RandomOptions): PendingHeap {
  return new PendingHeap(options);
}
