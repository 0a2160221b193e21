import type { Implementation, ListPeer } from './implementation.js';
import { IndexSource } from './index-source.js';
import { IndexedPeers, type IndexedPeer } from './indexed-peers.js';
import { randomSource, type RandomOptions } from './random-options.js';

/**
 * Base of the strategies that draw peers uniformly by index (RandomPeer,
 * TwoRandomChoices): the dense peer array and the seeded index source they
 * share, with add, remove and choosable. Subclasses supply only `choose`.
 */
export abstract class RandomPicker implements Implementation<IndexedPeer> {
  readonly #set = new IndexedPeers();
  /** The available peers, dense (IndexedPeers keeps the same array throughout). */
  protected readonly peers: readonly ListPeer[] = this.#set.peers;
  protected readonly index: IndexSource;

  constructor(options: RandomOptions = {}) {
    this.index = new IndexSource(randomSource(options));
  }

  add(peer: ListPeer): IndexedPeer {
    return this.#set.add(peer);
  }

  remove(_peer: ListPeer, entry: IndexedPeer): void {
    this.#set.remove(entry);
  }

  abstract choose(key: string | undefined): ListPeer | undefined;

  choosable(): number {
    return this.#set.size;
  }
}
