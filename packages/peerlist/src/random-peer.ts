import { secureRandomBytes, seededRandom, type Random } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { IndexSource } from './index-source.js';
import { IndexedPeers, type IndexedPeer } from './indexed-peers.js';

export interface RandomOptions {
  /** Source of choices. Default: seeded from `seed`, else from the OS. */
  random?: Random;
  seed?: number;
}

export function randomSource(options: RandomOptions): Random {
  return options.random ?? seededRandom(options.seed ?? freshSeed());
}

/**
 * A 48-bit seed from the OS. (kit's cryptoSeed asks node:crypto randomInt for
 * a 2^48 range, one more than Node 20 allows, so it throws; this avoids it.)
 */
export function freshSeed(): number {
  const b = secureRandomBytes(6);
  return ((b[0]! << 8) | b[1]!) * 2 ** 32 + (((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0);
}

/** Uniformly random choice among available peers (yarpc randpeer). O(1). */
export class RandomPeer implements Implementation<IndexedPeer> {
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
    if (n === 0) return undefined;
    return peers[this.#index.next(n)];
  }

  choosable(): number {
    return this.#peers.size;
  }
}

export function randomPeer(options?: RandomOptions): RandomPeer {
  return new RandomPeer(options);
}
