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
  /**
   * Beyond Go: send this broadcast this many times the queue's retransmit
   * limit (default 1). Its place in the send order does not change.
   */
  readonly transmitFactor?: number;
}

class Item {
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

/**
 * Gossip's outbox (Go's TransmitLimitedQueue). Each broadcast is sent a
 * limited number of times — retransmitMult × ceil(log10(n + 1)) — and the
 * least-sent go first, so new information spreads before old.
 *
 * Go keeps a B-tree ordered by (transmits, −length, −id). Here it is one
 * array kept in that order: a getBroadcasts call is a single pass (within a
 * transmit tier, whatever no longer fits stays skipped as space shrinks) and
 * a merge to put what it sent back in order. Queues are short (a few entries
 * per member with news), and the flat array beats a tree on memory locality,
 * which is what counts when a simulation runs thousands of lists.
 */
export class TransmitLimitedQueue {
  /** Current cluster size estimate, read on every getBroadcasts. */
  numNodes: () => number;
  retransmitMult: number;
  #items: Item[] = [];
  #byName = new Map<string, Item>();
  #idGen = 0;
  /** Called after each queueBroadcast: the list wakes its gossip ticker with it. */
  onQueued: (() => void) | undefined;

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
        this.#remove(old);
      }
    } else if (!b.unique) {
      const keep: Item[] = [];
      const dropped: Item[] = [];
      for (const cur of this.#items) {
        if (cur.b.name === undefined && !cur.b.unique && b.invalidates(cur.b)) dropped.push(cur);
        else keep.push(cur);
      }
      if (dropped.length > 0) {
        this.#items = keep;
        for (const cur of dropped) {
          cur.b.finished();
          this.#forget(cur);
        }
        if (keep.length === 0) this.#idGen = 0;
      }
    }
    this.#insert(item);
    if (name !== undefined) this.#byName.set(name, item);
    this.onQueued?.();
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
    const items = this.#items;
    const n = items.length;
    if (n === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const out: Broadcast[] = [];
    const stay: Item[] = [];
    const sent: Item[] = [];
    let used = 0;
    let i = 0;
    let full = false;
    // Tiers are contiguous; inside one, lengths descend, so an item that does
    // not fit now never will later in the same call.
    while (i < n) {
      const tier = items[i]!.transmits;
      for (; i < n && items[i]!.transmits === tier; i++) {
        const cur = items[i]!;
        const free = limit - used - overhead;
        if (full || free <= 0) {
          full = true;
          stay.push(cur);
          continue;
        }
        if (cur.msgLen > free) {
          stay.push(cur);
          continue;
        }
        used += overhead + cur.msgLen;
        out.push(cur.b);
        sent.push(cur);
      }
    }
    if (sent.length === 0) return out;
    // Go resets its id generator whenever the tree empties, even in the middle of this call.
    if (stay.length === 0) this.#idGen = 0;
    const back: Item[] = [];
    for (const cur of sent) {
      if (cur.transmits + 1 >= transmitLimit * (cur.b.transmitFactor ?? 1)) {
        this.#forget(cur);
        cur.b.finished();
      } else {
        cur.transmits++;
        back.push(cur);
      }
    }
    // Both lists are in queue order (the sent ones kept theirs, each one tier up): merge.
    this.#items = back.length === 0 ? stay : merge(stay, back);
    return out;
  }

  /** Broadcasts queued. */
  numQueued(): number {
    return this.#items.length;
  }

  /** Finishes and drops everything (Go's Reset). */
  reset(): void {
    const items = this.#items;
    this.#items = [];
    this.#byName.clear();
    this.#idGen = 0;
    for (const item of items) item.b.finished();
  }

  /** Keeps the `maxRetain` first in queue order; the most-sent are finished and dropped (Go's Prune). */
  prune(maxRetain: number): void {
    const items = this.#items;
    const keep = Math.max(0, maxRetain);
    while (items.length > keep) {
      const item = items.pop()!;
      item.b.finished();
      this.#forget(item);
    }
    if (items.length === 0) this.#idGen = 0;
  }

  /** The queue in send order with each item's transmit count: for tests and diagnostics. */
  orderedView(): { broadcast: Broadcast; transmits: number; length: number; id: number }[] {
    return this.#items.map((i) => ({ broadcast: i.b, transmits: i.transmits, length: i.msgLen, id: i.id }));
  }

  /** The first position whose item does not sort before `item`. */
  #lowerBound(item: Item): number {
    const items = this.#items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (less(items[mid]!, item)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #insert(item: Item): void {
    const items = this.#items;
    const lo = this.#lowerBound(item);
    if (lo === items.length) items.push(item);
    else items.splice(lo, 0, item);
  }

  #remove(item: Item): void {
    const items = this.#items;
    const lo = this.#lowerBound(item);
    if (items[lo] === item) items.splice(lo, 1);
    else {
      const at = items.indexOf(item);
      if (at >= 0) items.splice(at, 1);
    }
    this.#forget(item);
    if (items.length === 0) this.#idGen = 0;
  }

  /** Drops the name index entry of an item leaving for good. */
  #forget(item: Item): void {
    if (item.name !== undefined && this.#byName.get(item.name) === item) this.#byName.delete(item.name);
  }
}

function merge(a: Item[], b: Item[]): Item[] {
  const out: Item[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = less(b[j]!, a[i]!) ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
