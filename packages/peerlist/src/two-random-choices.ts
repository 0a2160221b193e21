import type { Random } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { IndexedPeers, type IndexedPeer } from './indexed-peers.js';
import { randomSource, type RandomOptions } from './random-peer.js';

/**
 * Power of two choices on pending requests (yarpc tworandomchoices): draw two
 * distinct peers uniformly, take the one with fewer pending requests, the first
 * on a tie. O(1); the pending count is the list's own, read from the peer.
 */
export class TwoRandomChoices implements Implementation<IndexedPeer> {
  readonly #peers = new IndexedPeers();
  readonly #random: Random;

  constructor(options: RandomOptions = {}) {
    this.#random = randomSource(options);
  }

  add(peer: ListPeer): IndexedPeer {
    return this.#peers.add(peer);
  }

  remove(_peer: ListPeer, entry: IndexedPeer): void {
    this.#peers.remove(entry);
  }

  choose(_key: string | undefined): ListPeer | undefined {
    const items = this.#peers.items;
    const n = items.length;
    if (n === 0) return undefined;
    if (n === 1) return items[0]!.peer;
    const i = this.#random.int(n);
    // The second draw skips the first, so the pair is always distinct and uniform.
    let j = this.#random.int(n - 1);
    if (j >= i) j++;
    const a = items[i]!.peer;
    const b = items[j]!.peer;
    return b.pending < a.pending ? b : a;
  }

  choosable(): number {
    return this.#peers.items.length;
  }
}

export function twoRandomChoices(options?: RandomOptions): TwoRandomChoices {
  return new TwoRandomChoices(options);
}
