import type { ListPeer } from './implementation.js';

export interface IndexedPeer {
  readonly peer: ListPeer;
  index: number;
}

/**
 * A dense array of peers with O(1) add and swap-with-last removal, for the
 * random strategies. `peers` holds the peers themselves (one load per pick);
 * `entries` runs parallel to it so a removal can fix the moved peer's index.
 */
export class IndexedPeers {
  readonly peers: ListPeer[] = [];
  readonly #entries: IndexedPeer[] = [];

  get size(): number {
    return this.peers.length;
  }

  add(peer: ListPeer): IndexedPeer {
    const entry: IndexedPeer = { peer, index: this.peers.length };
    this.peers.push(peer);
    this.#entries.push(entry);
    return entry;
  }

  remove(entry: IndexedPeer): void {
    const i = entry.index;
    if (i < 0) return;
    const lastPeer = this.peers.pop()!;
    const last = this.#entries.pop()!;
    if (last !== entry) {
      this.peers[i] = lastPeer;
      this.#entries[i] = last;
      last.index = i;
    }
    entry.index = -1;
  }
}
