import type { Implementation, ListPeer } from './implementation.js';

interface RingNode {
  readonly peer: ListPeer;
  next: RingNode;
  prev: RingNode;
}

/**
 * Round robin over a circular doubly linked list with a cursor (yarpc
 * roundrobin). A new peer goes just before the cursor, so it is served last in
 * the current cycle; with a fixed membership each peer is chosen exactly once
 * every n chooses. Everything is O(1).
 */
export class RoundRobin implements Implementation<RingNode> {
  #cursor: RingNode | undefined = undefined;
  #size = 0;

  add(peer: ListPeer): RingNode {
    const cursor = this.#cursor;
    this.#size++;
    if (cursor === undefined) {
      const node = { peer } as RingNode;
      node.next = node;
      node.prev = node;
      this.#cursor = node;
      return node;
    }
    const node: RingNode = { peer, next: cursor, prev: cursor.prev };
    cursor.prev.next = node;
    cursor.prev = node;
    return node;
  }

  remove(_peer: ListPeer, node: RingNode): void {
    this.#size--;
    if (node.next === node) {
      this.#cursor = undefined;
      return;
    }
    node.prev.next = node.next;
    node.next.prev = node.prev;
    if (this.#cursor === node) this.#cursor = node.next;
  }

  choose(_key: string | undefined): ListPeer | undefined {
    const node = this.#cursor;
    if (node === undefined) return undefined;
    this.#cursor = node.next;
    return node.peer;
  }

  choosable(): number {
    return this.#size;
  }
}

export function roundRobin(): RoundRobin {
  return new RoundRobin();
}
