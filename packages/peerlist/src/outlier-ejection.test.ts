import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { OutlierEjection, type OutlierEjectionOptions } from './outlier-ejection.js';
import { PeerList } from './peer-list.js';
import { roundRobin } from './round-robin.js';
import type { TransportPeer } from './transport.js';

function setup(ids: string[], options: Partial<OutlierEjectionOptions> = {}) {
  const clock = new ManualClock();
  const ejection = new OutlierEjection(roundRobin(), {
    clock,
    consecutiveFailures: 3,
    baseEjectionMs: 1000,
    maxEjectionMs: 5000,
    maxEjectionShare: 0.5,
    ...options,
  });
  const transport = new FakeTransport();
  const list = new PeerList<TransportPeer>({ transport, implementation: ejection, clock, noShuffle: true });
  list.update({ additions: ids });
  list.start();
  /** Runs n chooses; requests to peers in `failing` fail. Returns the ids chosen. */
  const traffic = (n: number, failing: string[] = []): string[] =>
    Array.from({ length: n }, () => {
      const c = list.tryChoose()!;
      c.onFinish(failing.includes(c.id) ? new Error('5xx') : undefined);
      return c.id;
    });
  return { clock, ejection, list, transport, traffic };
}

test('consecutive failures eject a peer; it stays available to the transport but is not chosen', () => {
  const { ejection, list, traffic } = setup(['a', 'b', 'c', 'd']);
  traffic(12, ['a']); // a fails 3 times in a row
  assert.equal(ejection.ejectedCount, 1);
  assert.ok(!traffic(40).includes('a'));
  assert.equal(list.numAvailable, 4);
  assert.equal(ejection.choosable(), 3);
});

test('a success resets the count', () => {
  const { ejection, list } = setup(['a']);
  const fail = (error?: Error): void => list.tryChoose()!.onFinish(error);
  fail(new Error());
  fail(new Error());
  fail();
  fail(new Error());
  fail(new Error());
  assert.equal(ejection.ejectedCount, 0);
});

test('the back-off grows with each ejection, up to the cap, and resets after a quiet spell', () => {
  const { clock, ejection, traffic } = setup(['a', 'b']);
  const ejectionLength = (): number => {
    while (ejection.ejectedCount === 0) traffic(2, ['a']);
    let waited = 0;
    while (ejection.ejectedCount === 1) {
      clock.advance(100);
      waited += 100;
    }
    return waited;
  };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(ejectionLength), [1000, 2000, 3000, 4000, 5000, 5000]);
  clock.advance(5001);
  assert.equal(ejectionLength(), 1000, 'after maxEjectionMs without an ejection it starts over');
});

test('never more than the set share of peers is ejected', () => {
  const { ejection, traffic } = setup(['a', 'b', 'c', 'd'], { maxEjectionShare: 0.5 });
  traffic(40, ['a', 'b', 'c']);
  assert.equal(ejection.ejectedCount, 2);
  const { ejection: strict, traffic: t2 } = setup(['a', 'b', 'c'], { maxEjectionShare: 0.1 });
  t2(30, ['a']);
  assert.equal(strict.ejectedCount, 0, 'with 3 peers, 10% allows none');
});

test('an ejection ending wakes a waiting choose', async () => {
  const { clock, ejection, list, traffic } = setup(['a'], { maxEjectionShare: 1 });
  traffic(3, ['a']);
  assert.equal(ejection.ejectedCount, 1);
  const waiting = list.choose({ timeoutMs: 5000 });
  assert.ok(waiting instanceof Promise);
  clock.advance(1000);
  assert.equal((await waiting).id, 'a');
});

test('a peer removed while ejected takes its timer with it', () => {
  const { clock, ejection, list, traffic } = setup(['a', 'b']);
  traffic(6, ['a']);
  assert.equal(ejection.ejectedCount, 1);
  assert.equal(clock.pendingCount, 1);
  list.update({ removals: ['a'] });
  assert.equal(clock.pendingCount, 0);
  assert.equal(ejection.ejectedCount, 0);
  assert.equal(ejection.choosable(), 1);
  list.update({ additions: ['a'] });
  assert.equal(ejection.choosable(), 2);
});

test('a stopped list leaves no ejection timer behind', () => {
  const { clock, ejection, list, traffic } = setup(['a', 'b']);
  traffic(6, ['a']);
  assert.equal(ejection.ejectedCount, 1);
  assert.equal(clock.pendingCount, 1);
  list.stop();
  assert.equal(clock.pendingCount, 0);
  assert.equal(ejection.ejectedCount, 0);
});
