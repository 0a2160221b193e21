import type { ListPeer } from './implementation.js';

export interface IndexedPeer {
  readonly peer: ListPeer;
  index: number;
}

/** A dense array of peers with O(1) add and swap-with-last removal, for the random strategies. */
export class IndexedPeers {
  readonly items: IndexedPeer[] = [];

  add(peer: ListPeer): IndexedPeer {
    const entry: IndexedPeer = { peer, index: this.items.length };
    this.items.push(entry);
    return entry;
  }

  remove(entry: IndexedPeer): void {
    const items = this.items;
    const last = items.pop()!;
    if (last !== entry) {
      items[entry.index] = last;
      last.index = entry.index;
    }
    entry.index = -1;
  }
}
