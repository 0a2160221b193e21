import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { FewestPending } from './fewest-pending.js';
import type { ListPeer } from './implementation.js';
import { PeerList } from './peer-list.js';

class Peer implements ListPeer {
  pending = 0;
  readonly status = 'available' as const;
  constructor(readonly id: string) {}
}

test('equal load: peers take turns in exact rotation', () => {
  const list = new PeerList({ transport: new FakeTransport(), implementation: new FewestPending(), clock: new ManualClock(), noShuffle: true });
  list.update({ additions: ['a', 'b', 'c', 'd'] });
  list.start();
  const picks = Array.from({ length: 12 }, () => {
    const c = list.tryChoose()!;
    c.onFinish();
    return c.id;
  });
  assert.deepEqual(picks, ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
});

test('held requests spread evenly: loads never differ by more than one', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const list = new PeerList({ transport: new FakeTransport(), implementation: new FewestPending(), clock: new ManualClock(), seed });
    list.update({ additions: ['a', 'b', 'c'] });
    list.start();
    const held = Array.from({ length: 100 }, () => list.tryChoose()!);
    const loads = ['a', 'b', 'c'].map((id) => list.pending(id)!);
    assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `loads ${loads} (seed ${seed})`);
    for (const c of held.filter((c) => c.id === 'b').slice(0, 5)) c.onFinish();
    // b now has strictly fewer than the others until it is refilled to the lowest of theirs.
    const gap = Math.min(list.pending('a')!, list.pending('c')!) - list.pending('b')!;
    assert.ok(gap >= 4, `gap ${gap} (seed ${seed})`);
    for (let i = 0; i < gap; i++) assert.equal(list.tryChoose()!.id, 'b', `the peer that drained is refilled first (seed ${seed})`);
  }
});

test('property: always a peer with the fewest pending requests, under any operations', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('load' as const), id: fc.integer({ min: 0, max: 20 }), pending: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ kind: fc.constant('choose' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const impl = new FewestPending();
      const live = new Map<number, { peer: Peer; entry: ReturnType<FewestPending['add']> }>();
      for (const o of ops) {
        if (o.kind === 'add' && !live.has(o.id)) {
          const peer = new Peer(`p${o.id}`);
          live.set(o.id, { peer, entry: impl.add(peer) });
        } else if (o.kind === 'remove' && live.has(o.id)) {
          const { peer, entry } = live.get(o.id)!;
          impl.remove(peer, entry);
          impl.remove(peer, entry); // twice is harmless
          impl.pendingChanged(entry, peer); // a late hook on a removed peer is ignored
          live.delete(o.id);
        } else if (o.kind === 'load' && live.has(o.id)) {
          const { peer, entry } = live.get(o.id)!;
          peer.pending = o.pending;
          impl.pendingChanged(entry, peer);
        } else if (o.kind === 'choose') {
          const chosen = impl.choose(undefined);
          if (live.size === 0) assert.equal(chosen, undefined);
          else assert.equal(chosen!.pending, Math.min(...[...live.values()].map((x) => x.peer.pending)));
        }
        assert.equal(impl.choosable(), live.size);
      }
    }),
    { numRuns: 300 },
  );
});
