import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { OutlierEjection } from './outlier-ejection.js';
import { PeerList } from './peer-list.js';
import { pendingHeap } from './pending-heap.js';
import { roundRobin } from './round-robin.js';
import type { Implementation } from './implementation.js';
import type { TransportPeer } from './transport.js';

const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setup(implementation: Implementation<any> = roundRobin(), clock = new ManualClock()) {
  const transport = new FakeTransport();
  const list = new PeerList<TransportPeer>({ transport, implementation, clock, noShuffle: true, panicThreshold: 0.5 });
  list.update({ additions: ids });
  list.start();
  const chosenIds = (n: number): Set<string> =>
    new Set(
      Array.from({ length: n }, () => {
        const c = list.tryChoose()!;
        c.onFinish();
        return c.id;
      }),
    );
  return { list, transport, chosenIds };
}

test('at or above the threshold only healthy peers are chosen', () => {
  const { transport, chosenIds } = setup();
  for (const id of ids.slice(0, 5)) transport.simulateDisconnect(id);
  assert.deepEqual([...chosenIds(50)].sort(), ids.slice(5));
});

test('below the threshold the list panics and spreads over every retained peer', () => {
  const { list, transport, chosenIds } = setup();
  for (const id of ids.slice(0, 6)) transport.simulateDisconnect(id);
  assert.equal(list.numAvailable, 4);
  assert.deepEqual([...chosenIds(10)].sort(), ids);
  transport.simulateConnect('p0');
  assert.deepEqual([...chosenIds(50)].sort(), ids.slice(0, 1).concat(ids.slice(6)), 'recovered: healthy only again');
});

test('with every peer down, panic still answers at once instead of waiting', () => {
  const { list, transport } = setup();
  for (const id of ids) transport.simulateDisconnect(id);
  const chosen = list.choose();
  assert.ok(!(chosen instanceof Promise));
  assert.equal(chosen.peer.status, 'unavailable');
});

test('with no peers at all it waits, and the first peer added serves the waiter even if it is down', async () => {
  const clock = new ManualClock();
  const transport = new FakeTransport({ initialStatus: 'unavailable' });
  const list = new PeerList({ transport, implementation: roundRobin(), clock, panicThreshold: 0.5 });
  list.start();
  const waiting = list.choose({ timeoutMs: 100 });
  assert.ok(waiting instanceof Promise);
  list.update({ additions: ['x'] });
  assert.equal((await waiting).id, 'x');
});

test('ejected peers count as unhealthy', () => {
  const clock = new ManualClock();
  const ejection = new OutlierEjection(roundRobin(), { clock, consecutiveFailures: 1, maxEjectionShare: 0.6 });
  const { list, transport } = setup(ejection, clock);
  for (const id of ids.slice(0, 4)) transport.simulateDisconnect(id);
  // 6 healthy; eject 2 more → 4 of 10 healthy → panic.
  for (let i = 0; i < 20 && ejection.ejectedCount < 2; i++) {
    const c = list.tryChoose()!;
    c.onFinish(new Error('fail'));
  }
  assert.equal(ejection.ejectedCount, 2);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const c = list.tryChoose()!;
    seen.add(c.id);
    c.onFinish();
  }
  assert.equal(seen.size, 10);
});

test('the panic strategy sees pending counts too', () => {
  const transport = new FakeTransport();
  const list = new PeerList({ transport, implementation: roundRobin(), clock: new ManualClock(), panicThreshold: 1, panicImplementation: pendingHeap({ seed: 1 }) });
  list.update({ additions: ['a', 'b'] });
  list.start();
  transport.simulateDisconnect('a');
  const held = Array.from({ length: 10 }, () => list.tryChoose()!);
  assert.deepEqual([list.pending('a'), list.pending('b')], [5, 5], 'the heap balances pending across all peers');
  for (const c of held) c.onFinish();
});
