import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@shoal/kit';
import { TransmitLimitedQueue, type Broadcast } from './queue.js';
import { retransmitLimit } from './util.js';

const enc = new TextEncoder();

class Named implements Broadcast {
  finishedCount = 0;
  constructor(
    readonly name: string,
    readonly msg: Uint8Array = new Uint8Array(0),
  ) {}
  invalidates(other: Broadcast): boolean {
    return other.name === this.name;
  }
  message(): Uint8Array {
    return this.msg;
  }
  finished(): void {
    this.finishedCount++;
  }
}

class Plain implements Broadcast {
  finishedCount = 0;
  constructor(
    readonly key: string,
    readonly msg: Uint8Array,
    readonly unique = false,
  ) {}
  invalidates(other: Broadcast): boolean {
    return other instanceof Plain && other.key === this.key;
  }
  message(): Uint8Array {
    return this.msg;
  }
  finished(): void {
    this.finishedCount++;
  }
}

const names = (q: TransmitLimitedQueue, reverse = false): string[] => {
  const view = q.orderedView().map((v) => (v.broadcast as Named).name);
  return reverse ? view.reverse() : view;
};

test('queue order: fewer transmits, then longer, then newer (Go TestLimitedBroadcastLess)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 100 });
  q.queueBroadcast(new Named('t1-len10-old', new Uint8Array(10)), 1);
  q.queueBroadcast(new Named('t0-len10', new Uint8Array(10)), 0);
  q.queueBroadcast(new Named('t0-len12-old', new Uint8Array(12)), 0);
  q.queueBroadcast(new Named('t0-len12-new', new Uint8Array(12)), 0);
  assert.deepEqual(names(q), ['t0-len12-new', 't0-len12-old', 't0-len10', 't1-len10-old']);
});

test('a named broadcast replaces the queued one of the same name and finishes it (Go TestTransmitLimited_Queue)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 1, retransmitMult: 1 });
  const first = new Named('test');
  q.queueBroadcast(first);
  q.queueBroadcast(new Named('foo'));
  q.queueBroadcast(new Named('bar'));
  assert.equal(q.numQueued(), 3);
  assert.deepEqual(names(q, true), ['test', 'foo', 'bar']);
  q.queueBroadcast(new Named('test'));
  assert.equal(q.numQueued(), 3);
  assert.deepEqual(names(q, true), ['foo', 'bar', 'test']);
  assert.equal(first.finishedCount, 1);
});

test('getBroadcasts respects the byte limit with per-message overhead (Go TestTransmitLimited_GetBroadcasts)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 3 });
  for (const [i, n] of ['test', 'foo', 'bar', 'baz'].entries()) q.queueBroadcast(new Named(n, enc.encode(`${i + 1}. this is a test.`)));
  assert.equal(q.getBroadcasts(2, 80).length, 4);
  assert.equal(q.getBroadcasts(3, 80).length, 3);
});

test('broadcasts stop after the retransmit limit and are finished (Go TestTransmitLimited_GetBroadcasts_Limit)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 1 });
  assert.equal(retransmitLimit(1, 10), 2);
  const all = ['test', 'foo', 'bar', 'baz'].map((n, i) => new Named(n, enc.encode(`${i + 1}. this is a test.`)));
  for (const b of all) q.queueBroadcast(b);
  assert.equal(q.getBroadcasts(3, 80).length, 3);
  assert.equal(q.getBroadcasts(3, 80).length, 3);
  assert.equal(q.getBroadcasts(3, 80).length, 2);
  assert.equal(q.getBroadcasts(3, 80).length, 0);
  assert.equal(q.numQueued(), 0);
  assert.deepEqual(all.map((b) => b.finishedCount), [1, 1, 1, 1]);
  // The id generator restarts when the queue empties: a new item is id 1.
  q.queueBroadcast(new Named('again'));
  assert.equal(q.orderedView()[0]!.id, 1);
});

test('a broadcast with a transmit factor is sent that many times the limit, in its usual place', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 1 }); // limit 2
  const doubled = Object.assign(new Named('dead', enc.encode('a longer message')), { transmitFactor: 2 });
  const plain = new Named('alive', enc.encode('short'));
  q.queueBroadcast(plain);
  q.queueBroadcast(doubled);
  assert.equal(q.orderedView()[0]!.broadcast, doubled, 'longer first within a tier, as without the factor');
  const counts = { plain: 0, doubled: 0 };
  for (let round = 0; round < 10; round++) {
    for (const m of q.getBroadcasts(0, 1000)) {
      if (m === plain.message()) counts.plain++;
      if (m === doubled.message()) counts.doubled++;
    }
  }
  assert.deepEqual(counts, { plain: 2, doubled: 4 });
  assert.equal(q.numQueued(), 0);
  assert.deepEqual([plain.finishedCount, doubled.finishedCount], [1, 1]);
});

test('prune keeps the first maxRetain in queue order (Go TestTransmitLimited_Prune)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 1 });
  const all = ['test', 'foo', 'bar', 'baz'].map((n, i) => new Named(n, enc.encode(`${i + 1}. this is a test.`)));
  for (const b of all) q.queueBroadcast(b);
  q.prune(2);
  assert.equal(q.numQueued(), 2);
  assert.deepEqual(all.map((b) => b.finishedCount), [1, 1, 0, 0]);
  assert.deepEqual(names(q, true), ['bar', 'baz']);
});

test('orderedView by transmits (Go TestTransmitLimited_ordering)', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 1 });
  for (const [name, t] of [['node0', 0], ['node1', 10], ['node2', 3], ['node3', 4], ['node4', 7]] as const) {
    q.queueBroadcast(new Named(name, enc.encode(name)), t);
  }
  assert.deepEqual(
    q.orderedView().reverse().map((v) => v.transmits),
    [10, 7, 4, 3, 0],
  );
});

test('unnamed broadcasts invalidate each other; unique ones never do nor are', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 4 });
  const a1 = new Plain('a', enc.encode('a1'));
  const u1 = new Plain('a', enc.encode('u1'), true);
  const named = new Named('a', enc.encode('n'));
  q.queueBroadcast(a1);
  q.queueBroadcast(u1);
  q.queueBroadcast(named);
  const a2 = new Plain('a', enc.encode('a2'));
  q.queueBroadcast(a2);
  assert.equal(a1.finishedCount, 1, 'a2 invalidates a1');
  assert.equal(u1.finishedCount, 0, 'unique broadcasts are never invalidated');
  assert.equal(named.finishedCount, 0, 'named broadcasts are not asked');
  assert.equal(q.numQueued(), 3);
  q.queueBroadcast(new Plain('a', enc.encode('u2'), true));
  assert.equal(a2.finishedCount, 0, 'a unique broadcast invalidates nothing');
  q.reset();
  assert.equal(q.numQueued(), 0);
  assert.equal(a2.finishedCount, 1);
  assert.equal(u1.finishedCount, 1);
});

test('within a packet the longest message that fits goes first, then shorter ones fill the gap', () => {
  const q = new TransmitLimitedQueue({ numNodes: () => 10, retransmitMult: 4 });
  q.queueBroadcast(new Named('big', new Uint8Array(60)));
  q.queueBroadcast(new Named('mid', new Uint8Array(30)));
  q.queueBroadcast(new Named('small', new Uint8Array(10)));
  const got = q.takeBroadcasts(0, 75).map((b) => b.name);
  assert.deepEqual(got, ['big', 'small']);
  // The tier-1 items come after the remaining tier-0 one.
  assert.deepEqual(q.takeBroadcasts(0, 1000).map((b) => b.name), ['mid', 'big', 'small']);
});

test('randomised: getBroadcasts matches a reference model of Go ordering', () => {
  const seed = 12345;
  const rnd = seededRandom(seed);
  for (let round = 0; round < 40; round++) {
    const mult = 1 + rnd.int(3);
    const n = 1 + rnd.int(200);
    const q = new TransmitLimitedQueue({ numNodes: () => n, retransmitMult: mult });
    type Ref = { name: string; len: number; id: number; transmits: number };
    let model: Ref[] = [];
    let idGen = 0;
    const limit = retransmitLimit(mult, n);
    for (let step = 0; step < 200; step++) {
      if (rnd.chance(0.6)) {
        const name = `n${rnd.int(30)}`;
        const len = 1 + rnd.int(40);
        q.queueBroadcast(new Named(name, new Uint8Array(len)));
        model = model.filter((m) => m.name !== name);
        if (model.length === 0) idGen = 0;
        model.push({ name, len, id: ++idGen, transmits: 0 });
      } else {
        const overhead = rnd.int(4);
        const budget = rnd.int(200);
        const got = q.takeBroadcasts(overhead, budget).map((b) => b.name);
        // Reference: the Go algorithm over a sorted list.
        const cmp = (a: Ref, b: Ref): number => a.transmits - b.transmits || b.len - a.len || b.id - a.id;
        const sorted = [...model].sort(cmp);
        const want: string[] = [];
        const taken = new Set<Ref>();
        let used = 0;
        const minT = sorted[0]?.transmits ?? 0;
        const maxT = sorted.at(-1)?.transmits ?? 0;
        for (let t = minT; t <= maxT; ) {
          const free = budget - used - overhead;
          if (free <= 0) break;
          const pick = sorted.find((m) => !taken.has(m) && m.transmits === t && m.len <= free);
          if (!pick) {
            t++;
            continue;
          }
          taken.add(pick);
          used += overhead + pick.len;
          want.push(pick.name);
        }
        assert.deepEqual(got, want, `seed ${seed} round ${round} step ${step}`);
        // Go resets its id generator whenever the tree empties, even in the
        // middle of GetBroadcasts (before re-inserting what it took).
        if (taken.size > 0 && taken.size === model.length) idGen = 0;
        for (const m of taken) m.transmits++;
        model = model.filter((m) => m.transmits < limit);
      }
      assert.equal(q.numQueued(), model.length, `seed ${seed}`);
    }
  }
});
