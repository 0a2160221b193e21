import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { MembershipGate } from './membership-gate.js';
import { PeerList } from './peer-list.js';
import { roundRobin } from './round-robin.js';

test('without an inner transport a peer is available unless marked down', () => {
  const gate = new MembershipGate();
  const list = new PeerList({ transport: gate, implementation: roundRobin(), clock: new ManualClock() });
  list.update({ additions: ['a'] });
  gate.markDown('b'); // marks survive until the peer is retained
  list.update({ additions: ['b'] });
  list.start();
  assert.deepEqual([list.available('a'), list.available('b')], [true, false]);
  gate.markDown('a');
  gate.markUp('b');
  assert.deepEqual([list.available('a'), list.available('b')], [false, true]);
});

test('with an inner transport: its connection status shows through, a mark overrides it, release reaches it', () => {
  const inner = new FakeTransport({ initialStatus: 'connecting' });
  const gate = new MembershipGate(inner);
  const list = new PeerList({ transport: gate, implementation: roundRobin(), clock: new ManualClock() });
  list.update({ additions: ['a'] });
  list.start();
  assert.equal(list.introspect().peers[0]!.state, 'Connecting, 0 pending request(s)');
  inner.simulateConnect('a');
  assert.ok(list.available('a'));
  assert.equal(list.tryChoose()!.peer.inner, inner.peer('a'));
  gate.markDown('a');
  assert.ok(!list.available('a'));
  inner.simulateDisconnect('a');
  inner.simulateConnect('a');
  assert.ok(!list.available('a'), 'still down: membership wins over the connection');
  gate.markUp('a');
  assert.ok(list.available('a'));
  list.stop();
  assert.deepEqual(inner.released, ['a']);
  assert.deepEqual(inner.retainedIds(), []);
});
