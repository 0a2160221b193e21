// yarpc pendingheap unit tests: empty, round-robin ordering on ties, insertion
// ordering, updates, deletes, the heap invariant under random operations, and
// stale subscribers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ListPeer } from './implementation.js';
import { PendingHeap, type HeapEntry } from './pending-heap.js';

class Peer implements ListPeer {
  pending = 0;
  readonly status = 'available' as const;
  constructor(readonly id: string) {}
}

function heapWith(ids: string[], seed = 1): { heap: PendingHeap; peers: Map<string, Peer>; entries: Map<string, HeapEntry> } {
  const heap = new PendingHeap({ seed });
  const peers = new Map<string, Peer>();
  const entries = new Map<string, HeapEntry>();
  for (const id of ids) {
    const p = new Peer(id);
    peers.set(id, p);
    entries.set(id, heap.add(p));
  }
  return { heap, peers, entries };
}

test('empty heap chooses nothing', () => {
  const heap = new PendingHeap({ seed: 1 });
  assert.equal(heap.choose(undefined), undefined);
  assert.equal(heap.choosable(), 0);
});

test('equal load: peers take turns (round robin on ties)', () => {
  const { heap } = heapWith(['a', 'b', 'c', 'd']);
  const first = Array.from({ length: 4 }, () => heap.choose(undefined)!.id);
  assert.equal(new Set(first).size, 4);
  const second = Array.from({ length: 4 }, () => heap.choose(undefined)!.id);
  assert.deepEqual(second, first);
  heap.validate();
});

test('fewest pending wins, and an update reorders at once', () => {
  const { heap, peers, entries } = heapWith(['a', 'b', 'c']);
  const load = (id: string, pending: number): void => {
    peers.get(id)!.pending = pending;
    heap.pendingChanged(entries.get(id)!, peers.get(id)!);
    heap.validate();
  };
  load('a', 5);
  load('b', 1);
  load('c', 3);
  assert.equal(heap.choose(undefined)!.id, 'b');
  load('b', 4);
  assert.equal(heap.choose(undefined)!.id, 'c');
  load('a', 0);
  assert.equal(heap.choose(undefined)!.id, 'a');
});

test('insertion: a batch of new peers is spread among the old ones, not queued behind them', () => {
  // yarpc "random insertion": each new peer swaps turns with a random existing one.
  const positions: number[] = [];
  for (let seed = 1; seed <= 50; seed++) {
    const { heap } = heapWith(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], seed);
    heap.add(new Peer('new'));
    const order = Array.from({ length: 9 }, () => heap.choose(undefined)!.id);
    positions.push(order.indexOf('new'));
    heap.validate();
  }
  assert.ok(new Set(positions).size >= 4, `new peer's turn varies with the seed: ${positions.join(',')}`);
  assert.ok(positions.some((p) => p < 8), 'a new peer is not always served last');
});

test('delete: removed peers are never chosen; removing twice and late updates are ignored (stale subscriber)', () => {
  const { heap, peers, entries } = heapWith(['a', 'b', 'c']);
  heap.remove(peers.get('b')!, entries.get('b')!);
  heap.remove(peers.get('b')!, entries.get('b')!);
  heap.validate();
  peers.get('b')!.pending = 0;
  heap.pendingChanged(entries.get('b')!, peers.get('b')!);
  const seen = new Set(Array.from({ length: 10 }, () => heap.choose(undefined)!.id));
  assert.deepEqual([...seen].sort(), ['a', 'c']);
  assert.equal(heap.choosable(), 2);
});

test('property: the heap invariant and the fewest-pending choice hold under any operations', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('load' as const), id: fc.integer({ min: 0, max: 30 }), pending: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('choose' as const) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.array(op, { maxLength: 200 }), (seed, ops) => {
      const heap = new PendingHeap({ seed });
      const live = new Map<number, { peer: Peer; entry: HeapEntry }>();
      for (const o of ops) {
        if (o.kind === 'add' && !live.has(o.id)) {
          const peer = new Peer(`p${o.id}`);
          live.set(o.id, { peer, entry: heap.add(peer) });
        } else if (o.kind === 'remove' && live.has(o.id)) {
          const { peer, entry } = live.get(o.id)!;
          heap.remove(peer, entry);
          live.delete(o.id);
        } else if (o.kind === 'load' && live.has(o.id)) {
          const { peer, entry } = live.get(o.id)!;
          peer.pending = o.pending;
          heap.pendingChanged(entry, peer);
        } else if (o.kind === 'choose') {
          const chosen = heap.choose(undefined);
          const min = Math.min(...[...live.values()].map((x) => x.peer.pending));
          if (live.size === 0) assert.equal(chosen, undefined);
          else assert.equal(chosen!.pending, min);
        }
        heap.validate();
        assert.equal(heap.choosable(), live.size);
      }
    }),
    { numRuns: 300 },
  );
});
