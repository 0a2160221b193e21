import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import type { ListPeer } from './implementation.js';
import { PeerList } from './peer-list.js';
import { RoundRobin } from './round-robin.js';
import type { TransportPeer } from './transport.js';
import { testSeed, withSeed } from './testing/seed.js';

const peer = (id: string): ListPeer => ({ id, pending: 0, status: 'available' });

function list(ids: string[], seed = 1) {
  const transport = new FakeTransport();
  const l = new PeerList({ transport, implementation: new RoundRobin(), clock: new ManualClock(), seed });
  l.update({ additions: ids });
  l.start();
  return { list: l, transport };
}

function chooseIds<P extends TransportPeer>(l: PeerList<P>, n: number): string[] {
  return Array.from({ length: n }, () => {
    const c = l.tryChoose()!;
    c.onFinish();
    return c.id;
  });
}

test('exact fairness: with fixed membership every peer is chosen exactly once per cycle', () =>
  withSeed(testSeed(), (seed) => {
    for (const n of [1, 2, 3, 7, 64, 1000]) {
      const ids = Array.from({ length: n }, (_, i) => `p${i}`);
      const { list: l } = list(ids, seed);
      const picks = chooseIds(l, n * 5);
      for (let cycle = 0; cycle < 5; cycle++) {
        const slice = picks.slice(cycle * n, (cycle + 1) * n);
        assert.equal(new Set(slice).size, n, `cycle ${cycle} of ${n} peers repeats a peer`);
        assert.deepEqual(slice, picks.slice(0, n), 'every cycle has the same order');
      }
    }
  }));

test('fairness holds with requests outstanding (round robin ignores load)', () => {
  const { list: l } = list(['a', 'b', 'c'], 3);
  const held = Array.from({ length: 300 }, () => l.tryChoose()!);
  const counts = new Map<string, number>();
  for (const c of held) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
  assert.deepEqual([...counts.values()], [100, 100, 100]);
  for (const c of held) c.onFinish();
});

test('a new peer is served last in the current cycle; a removed one is skipped without a hiccup', () => {
  const rr = new RoundRobin();
  const nodes = new Map(['a', 'b', 'c'].map((id) => [id, rr.add(peer(id))]));
  const next = (): string => rr.choose(undefined)!.id;
  assert.deepEqual([next(), next()], ['a', 'b']);
  nodes.set('d', rr.add(peer('d'))); // inserted just before the cursor (c)
  assert.deepEqual([next(), next(), next(), next()], ['c', 'a', 'b', 'd']);
  rr.remove(peer('c'), nodes.get('c')!); // the cursor is on c now: it moves on
  assert.deepEqual([next(), next(), next(), next()], ['a', 'b', 'd', 'a']);
  rr.remove(peer('a'), nodes.get('a')!);
  rr.remove(peer('b'), nodes.get('b')!);
  assert.deepEqual([next(), next()], ['d', 'd']);
  rr.remove(peer('d'), nodes.get('d')!);
  assert.equal(rr.choose(undefined), undefined);
  assert.equal(rr.choosable(), 0);
  rr.add(peer('e'));
  assert.equal(next(), 'e');
});

test('a peer that flaps rejoins the rotation and fairness resumes', () => {
  const { list: l, transport } = list(['a', 'b', 'c', 'd'], 5);
  chooseIds(l, 3);
  transport.simulateDisconnect('b');
  const without = chooseIds(l, 9);
  assert.ok(!without.includes('b'));
  assert.deepEqual(new Set(without.slice(0, 3)).size, 3);
  transport.simulateConnect('b');
  const cycles = chooseIds(l, 4 * 25);
  for (let i = 4; i < cycles.length; i += 4) assert.equal(new Set(cycles.slice(i, i + 4)).size, 4);
});
