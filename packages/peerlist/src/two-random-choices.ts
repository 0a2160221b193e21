import type { Implementation, ListPeer } from './implementation.js';
import { IndexSource } from './index-source.js';
import { IndexedPeers, type IndexedPeer } from './indexed-peers.js';
import { randomSource, type RandomOptions } from './random-peer.js';

/**
 * Power of two choices on pending requests (yarpc tworandomchoices): draw two
 * distinct peers uniformly, take the one with fewer pending requests, the first
 * on a tie. O(1); the pending count is the list's own, read from the peer.
 */
export class TwoRandomChoices implements Implementation<IndexedPeer> {
  readonly #peers = new IndexedPeers();
  readonly #index: IndexSource;

  constructor(options: RandomOptions = {}) {
    this.#index = new IndexSource(randomSource(options));
  }

  add(peer: ListPeer): IndexedPeer {
    return this.#peers.add(peer);
  }

  remove(_peer: ListPeer, entry: IndexedPeer): void {
    this.#peers.remove(entry);
  }

  choose(_key: string | undefined): ListPeer | undefined {
    const peers = this.#peers.peers;
    const n = peers.length;
    if (n <= 1) return peers[0];
    const index = this.#index;
    const i = index.next(n);
    // The second draw skips the first, so the pair is always distinct and uniform.
    let j = index.next(n - 1);
    if (j >= i) j++;
    const a = peers[i]!;
    const b = peers[j]!;
    return b.pending < a.pending ? b : a;
  }

  choosable(): number {
    return this.#peers.size;
  }
}

export function twoRandomChoices(options?: RandomOptions): TwoRandomChoices {
  return new TwoRandomChoices(options);
}
