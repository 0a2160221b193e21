// The abstract list on its own (yarpc abstractlist tests: TestPeerList with a
// toy most-recently-added implementation, TestFailFast, TestIntrospect,
// TestWaitForNeverStarted, TestDefaultChooseTimeout, TestShuffle, TestValues).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { ChooseError, PeerListError, PeerListErrorCode as E, PeerListUpdateError } from './errors.js';
import { FakeTransport } from './fake-transport.js';
import type { Implementation, ListPeer } from './implementation.js';
import type { Chosen } from './peer-facade.js';
import { PeerList, type PeerListOptions } from './peer-list.js';
import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';
import { roundRobin } from './round-robin.js';
import type { PeerSubscriber, TransportPeer } from './transport.js';

/** Chooses the most recently added available peer; logs every call. */
class MostRecentlyAdded implements Implementation<number> {
  readonly log: string[] = [];
  readonly peers: ListPeer[] = [];
  #serial = 0;
  add(peer: ListPeer): number {
    this.log.push(`add ${peer.id}`);
    this.peers.push(peer);
    return ++this.#serial;
  }
  remove(peer: ListPeer, _state: number): void {
    this.log.push(`remove ${peer.id}`);
    this.peers.splice(this.peers.indexOf(peer), 1);
  }
  choose(): ListPeer | undefined {
    return this.peers[this.peers.length - 1];
  }
}

function setup(options: Partial<PeerListOptions<TransportPeer>> = {}, transport = new FakeTransport()) {
  const clock = new ManualClock();
  const impl = new MostRecentlyAdded();
  const list = new PeerList({ name: 'mra', transport, implementation: impl, clock, noShuffle: true, ...options });
  return { clock, impl, list, transport };
}

function sync<P extends TransportPeer>(result: Chosen<P> | Promise<Chosen<P>>): Chosen<P> {
  assert.ok(!(result instanceof Promise), 'expected a synchronous choice');
  return result;
}

async function rejection(result: Chosen | Promise<Chosen>): Promise<ChooseError> {
  assert.ok(result instanceof Promise, 'expected a Promise');
  try {
    await result;
  } catch (error) {
    assert.ok(error instanceof ChooseError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

test('counters, update log, available and uninitialized', () => {
  const { impl, list, transport } = setup();
  list.update({ additions: ['a', 'b'] });
  assert.deepEqual([list.numAvailable, list.numUnavailable, list.numUninitialized], [0, 0, 2]);
  assert.ok(list.uninitialized('a') && !list.available('a'));
  list.start();
  assert.deepEqual(impl.log, ['add a', 'add b']);
  assert.deepEqual([list.numAvailable, list.numUnavailable, list.numUninitialized], [2, 0, 0]);
  assert.ok(list.available('a') && !list.uninitialized('a'));
  transport.simulateDisconnect('b');
  assert.deepEqual(impl.log, ['add a', 'add b', 'remove b'], 'a disconnect removes the peer from the implementation');
  assert.deepEqual([list.numAvailable, list.numUnavailable], [1, 1]);
  assert.equal(sync(list.choose()).id, 'a');
  list.update({ removals: ['a'] });
  assert.deepEqual(impl.log.slice(3), ['remove a']);
  list.stop();
  assert.deepEqual(impl.log.slice(4), [], 'b was not in the implementation, so stop does not remove it again');
  assert.deepEqual([list.numAvailable, list.numUnavailable, list.numUninitialized], [0, 0, 1]);
});

test('invalid updates before, during and after running are all reported, and the rest applies', () => {
  const { list } = setup();
  const codes = (f: () => void): string[] => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof PeerListUpdateError);
      assert.equal(e.code, E.UpdateFailed);
      return e.errors.map((x) => (x as PeerListError).code);
    }
    return [];
  };
  assert.deepEqual(codes(() => list.update({ additions: ['a', 'a', 'b'], removals: ['z'] })), [E.NotInList, E.AlreadyInList]);
  list.start();
  assert.deepEqual(codes(() => list.update({ additions: ['b', 'c'], removals: ['y', 'a'] })), [E.NotInList, E.AlreadyInList]);
  assert.deepEqual(list.peers().map((p) => p.id).sort(), ['b', 'c']);
  list.stop();
  assert.deepEqual(codes(() => list.update({ additions: ['c'], removals: ['a'] })), [E.NotInList, E.AlreadyInList]);
});

test('choose returns synchronously, without a Promise, and reuses its handle', () => {
  const { list } = setup();
  list.update({ additions: ['a'] });
  list.start();
  const first = sync(list.choose());
  assert.equal(list.pending('a'), 1);
  first.onFinish();
  assert.equal(list.pending('a'), 0);
  const second = sync(list.choose());
  assert.equal(second, first, 'a finished handle is reused, so the hot path allocates nothing');
  const third = sync(list.choose());
  assert.notEqual(third, second, 'concurrent requests get distinct handles');
  assert.equal(list.pending('a'), 2);
  second.onFinish();
  second.onFinish(); // a second call before reuse is ignored
  assert.equal(list.pending('a'), 1);
  third.onFinish(new Error('boom'));
  assert.equal(list.pending('a'), 0);
  assert.equal(list.tryChoose()?.id, 'a');
});

test('onFinish after the peer was removed does not disturb the list', () => {
  const { list, impl } = setup();
  list.update({ additions: ['a'] });
  list.start();
  const chosen = sync(list.choose());
  list.update({ removals: ['a'] });
  chosen.onFinish();
  list.update({ additions: ['a'] });
  assert.equal(list.pending('a'), 0);
  assert.deepEqual(impl.log, ['add a', 'remove a', 'add a']);
});

test('introspect reports lifecycle, counts and per-peer pending requests', () => {
  const { list, transport } = setup({}, new FakeTransport({ initialStatusById: { b: 'connecting' } }));
  assert.deepEqual(list.introspect(), { name: 'mra', state: 'Idle (0/0 available)', peers: [] });
  list.update({ additions: ['a', 'b'] });
  list.start();
  list.choose();
  assert.deepEqual(list.introspect(), {
    name: 'mra',
    state: 'Running (1/2 available)',
    peers: [
      { identifier: 'a', state: 'Available, 1 pending request(s)' },
      { identifier: 'b', state: 'Connecting, 0 pending request(s)' },
    ],
  });
  transport.simulateDisconnect('b');
  assert.equal(list.introspect().peers[1]!.state, 'Unavailable, 0 pending request(s)');
});

test('fail-fast never waits and says why', async () => {
  const { list, transport } = setup({ failFast: true });
  assert.equal((await rejection(list.choose())).code, E.NotRunning);
  list.start();
  const none = await rejection(list.choose());
  assert.equal(none.code, E.NoPeers);
  assert.equal(none.outcome, 'fail-fast');
  assert.equal(none.message, '"mra" peer list has no peers, did not wait for peers to be added (fail-fast is enabled)');
  list.update({ additions: ['a'] });
  transport.simulateDisconnect('a');
  const down = await rejection(list.choose());
  assert.equal(down.code, E.NoAvailablePeers);
  assert.equal(down.message, '"mra" peer list has 1 peer but it is not responsive, did not wait for a connection to open (fail-fast is enabled)');
});

test('a list that never starts fails choose at the deadline; a stopped one at once', async () => {
  const { list, clock } = setup();
  const waiting = list.choose({ timeoutMs: 100 });
  clock.advance(99);
  assert.equal(list.numWaiting, 1);
  clock.advance(1);
  const error = await rejection(waiting);
  assert.equal(error.code, E.NotRunning);
  assert.match(error.message, /finished while waiting for it to start: deadline exceeded/);
  list.stop();
  assert.match((await rejection(list.choose())).message, /has stopped/);
});

test('the default choose timeout applies to a choose without a deadline (yarpc bug 1)', async () => {
  const { list, clock } = setup({ defaultChooseTimeoutMs: 500 });
  list.start();
  const served = list.choose();
  clock.advance(400);
  list.update({ additions: ['a'] });
  assert.equal((await served).id, 'a', 'still waiting at 400 ms of a 500 ms default');
  list.update({ removals: ['a'] });
  const timedOut = list.choose();
  clock.advance(499);
  assert.equal(list.numWaiting, 1, 'not given up before the default timeout');
  clock.advance(1);
  const error = await rejection(timedOut);
  assert.equal(error.code, E.NoPeers);
  assert.equal(error.outcome, 'deadline');
  assert.equal(clock.now(), 900);
});

test('additions are shuffled by a seeded Random; start order is sorted then shuffled; noShuffle keeps order', () => {
  const order = (options: Partial<PeerListOptions<TransportPeer>>, before: string[], after: string[]): string[] => {
    const { list, impl } = setup(options);
    list.update({ additions: before });
    list.start();
    list.update({ additions: after });
    return impl.log.map((l) => l.slice(4));
  };
  const ids = ['e', 'c', 'a', 'd', 'b'];
  assert.deepEqual(order({ noShuffle: true }, ids, ['z', 'y']), ['a', 'b', 'c', 'd', 'e', 'z', 'y']);
  const s1 = order({ noShuffle: false, seed: 1 }, ids, ['z', 'y', 'x', 'w']);
  assert.deepEqual(order({ noShuffle: false, seed: 1 }, ids, ['z', 'y', 'x', 'w']), s1, 'same seed, same permutation');
  assert.deepEqual([...s1].sort(), ['a', 'b', 'c', 'd', 'e', 'w', 'x', 'y', 'z']);
  const seen = new Set([2, 3, 4, 5, 6, 7, 8].map((seed) => order({ noShuffle: false, seed }, ids, []).join('')));
  assert.ok(seen.size > 3, `different seeds give different orders (${[...seen].join(' ')})`);
});

test('options are validated', () => {
  const transport = new FakeTransport();
  const bad = (o: Partial<PeerListOptions<TransportPeer>>): void => {
    assert.throws(() => new PeerList({ transport, implementation: roundRobin(), ...o }), (e: unknown) => (e as PeerListError).code === E.InvalidOption);
  };
  bad({ capacity: 0 });
  bad({ capacity: 1.5 });
  bad({ defaultChooseTimeoutMs: -1 });
  bad({ panicThreshold: 1.5 });
});

test('a transport that notifies from inside retain and release is safe', () => {
  // Connects synchronously while retaining (notifying the subscriber before
  // retain returns), pokes every other peer's subscribers on the way, and
  // notifies again while releasing. The list must neither double-count nor crash.
  class EagerPeer extends RetainablePeer {
    override released(): void {
      super.released();
      this.notifySubscribers();
    }
  }
  class EagerTransport extends RefCountedTransport<EagerPeer> {
    constructor() {
      super((id) => new EagerPeer(id, 'unavailable'));
    }
    override retainPeer(id: string, subscriber: PeerSubscriber): EagerPeer {
      const peer = super.retainPeer(id, subscriber);
      peer.setStatus('available');
      for (const other of this.retainedIds()) if (other !== id) this.peer(other)!.notifySubscribers();
      return peer;
    }
  }
  const clock = new ManualClock();
  const impl = new MostRecentlyAdded();
  const list = new PeerList({ transport: new EagerTransport(), implementation: impl, clock, noShuffle: true });
  list.update({ additions: ['a', 'b', 'c'] });
  list.start();
  assert.equal(list.numAvailable, 3);
  assert.deepEqual(impl.log, ['add a', 'add b', 'add c']);
  list.update({ removals: ['b'] });
  assert.equal(list.numAvailable, 2);
  assert.deepEqual(impl.log.slice(3), ['remove b']);
});

test('peers() is a snapshot of every retained peer, available or not', () => {
  const { list, transport } = setup();
  list.update({ additions: ['a', 'b'] });
  list.start();
  transport.simulateDisconnect('a');
  const snapshot = list.peers();
  assert.deepEqual(snapshot.map((p) => [p.id, p.status]), [['a', 'unavailable'], ['b', 'available']]);
  list.update({ removals: ['b'] });
  assert.equal(snapshot.length, 2);
});
