import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { HashRing, hashString } from './hash-ring.js';
import type { ListPeer } from './implementation.js';
import { PeerList } from './peer-list.js';
import { testSeed, withSeed } from './testing/seed.js';

const peer = (id: string): ListPeer => ({ id, pending: 0, status: 'available' });
const ids = (n: number, prefix = 'host'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}.example:4040`);
const KEYS = Array.from({ length: 20_000 }, (_, i) => `user:${i}`);

function ring(members: string[], replicas = 100): { ring: HashRing; entries: Map<string, unknown> } {
  const r = new HashRing({ replicas, seed: 1 });
  const entries = new Map<string, unknown>();
  for (const id of members) entries.set(id, r.add(peer(id)));
  return { ring: r, entries };
}

function owners(r: HashRing): string[] {
  return KEYS.map((k) => r.owner(k)!);
}

test('the hash function is pinned: clients of every release must agree', () => {
  // FNV-1a 32 over UTF-16 code units, then murmur3 fmix32 (values cross-checked in Python).
  assert.deepEqual(['', 'a', 'abc'].map((s) => hashString(s).toString(16)), ['ab3e7c0b', '1a80b1b3', '1cc93dbc']);
});

test('the same key goes to the same peer, whatever order the ring learned its peers in', () =>
  withSeed(testSeed(), (seed) => {
    const members = ids(40);
    const shuffled = [...members];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (seed + i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    assert.deepEqual(owners(ring(shuffled).ring), owners(ring(members).ring));
  }));

test('adding one peer to N moves about 1/(N+1) of the keys, all of them to the new peer', () => {
  for (const n of [10, 50]) {
    const { ring: r } = ring(ids(n));
    const before = owners(r);
    r.add(peer('newcomer:4040'));
    const after = owners(r);
    const moved = before.filter((o, i) => o !== after[i]);
    assert.ok(after.every((o, i) => o === before[i] || o === 'newcomer:4040'), 'a key moved between old peers');
    const share = moved.length / KEYS.length;
    const ideal = 1 / (n + 1);
    assert.ok(share > 0.5 * ideal && share < 1.6 * ideal, `n=${n}: moved ${share.toFixed(4)}, ideal ${ideal.toFixed(4)}`);
  }
});

test('removing one of N peers moves exactly its keys, about 1/N of them', () => {
  for (const n of [10, 50]) {
    const members = ids(n);
    const { ring: r, entries } = ring(members);
    const before = owners(r);
    const victim = members[3]!;
    r.remove(peer(victim), entries.get(victim) as never);
    const after = owners(r);
    const moved = before.filter((o, i) => o !== after[i]);
    assert.ok(moved.every((o) => o === victim), 'only the removed peer’s keys move');
    assert.equal(moved.length, before.filter((o) => o === victim).length);
    const share = moved.length / KEYS.length;
    assert.ok(share > 0.5 / n && share < 1.6 / n, `n=${n}: moved ${share.toFixed(4)}, ideal ${(1 / n).toFixed(4)}`);
  }
});

test('with 100 virtual nodes every peer owns a fair share (0.5× to 1.6× of 1/N)', () => {
  const n = 50;
  const counts = new Map<string, number>();
  for (const o of owners(ring(ids(n)).ring)) counts.set(o, (counts.get(o) ?? 0) + 1);
  assert.equal(counts.size, n);
  for (const [id, c] of counts) assert.ok(c / KEYS.length > 0.5 / n && c / KEYS.length < 1.6 / n, `${id} owns ${c}`);
});

test('property: incremental merges give the same ring as building from scratch', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), id: fc.integer({ min: 0, max: 15 }), chooseAfter: fc.boolean() }), { maxLength: 60 }),
      (ops) => {
        const r = new HashRing({ replicas: 7, seed: 1 });
        const live = new Map<string, unknown>();
        for (const op of ops) {
          const id = `n${op.id}`;
          if (op.add && !live.has(id)) live.set(id, r.add(peer(id)));
          else if (!op.add && live.has(id)) {
            r.remove(peer(id), live.get(id) as never);
            live.delete(id);
          }
          if (op.chooseAfter) r.choose('probe'); // forces a merge at arbitrary points
        }
        const fresh = ring([...live.keys()].sort(), 7).ring;
        assert.equal(r.size, live.size * 7);
        for (const k of KEYS.slice(0, 300)) assert.equal(r.owner(k), fresh.owner(k));
      },
    ),
    { numRuns: 200 },
  );
});

test('through the list: an unavailable peer’s keys move to the next peer and come back', () => {
  const transport = new FakeTransport();
  const list = new PeerList({ transport, implementation: new HashRing({ seed: 2 }), clock: new ManualClock(), seed: 2 });
  list.update({ additions: ids(8) });
  list.start();
  const ownerOf = (key: string): string => {
    const c = list.tryChoose(key)!;
    c.onFinish();
    return c.id;
  };
  const before = KEYS.slice(0, 2000).map(ownerOf);
  const victim = before[0]!;
  transport.simulateDisconnect(victim);
  const during = KEYS.slice(0, 2000).map(ownerOf);
  assert.ok(!during.includes(victim));
  assert.ok(during.every((o, i) => before[i] === victim || o === before[i]), 'only the victim’s keys moved');
  transport.simulateConnect(victim);
  assert.deepEqual(KEYS.slice(0, 2000).map(ownerOf), before);
  const viaChoose = list.choose({ key: KEYS[0]! });
  assert.ok(!(viaChoose instanceof Promise));
  assert.equal(viaChoose.id, before[0]);
});

test('a choose without a key picks a random peer', () => {
  const { ring: r } = ring(ids(5));
  const seen = new Set(Array.from({ length: 200 }, () => r.choose(undefined)!.id));
  assert.equal(seen.size, 5);
});

test('replicas must be a positive integer', () => {
  assert.throws(() => new HashRing({ replicas: 0 }), RangeError);
});

test('a key goes to the first point at or after hashString(key), wrapping around', () => {
  const r = ring(ids(30), 50).ring;
  const points = r.points();
  assert.equal(points.length, 1500);
  for (let i = 1; i < points.length; i++) assert.ok(points[i - 1]!.hash <= points[i]!.hash, 'ring is sorted');
  for (const key of KEYS.slice(0, 2000)) {
    const h = hashString(key);
    const expected = points.find((p) => p.hash >= h) ?? points[0]!;
    assert.equal(r.owner(key), expected.id, key);
  }
});
