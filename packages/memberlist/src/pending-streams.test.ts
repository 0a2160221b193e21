import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics, ManualClock, silentLogger } from '@shoal/kit';
import { PendingStreams } from './pending-streams.js';

function setup(max = 3, maxPerAddress = 2, firstMessageTimeoutMs = 1_000) {
  const clock = new ManualClock();
  const metrics = new InMemoryMetrics();
  const pending = new PendingStreams({ max, maxPerAddress, firstMessageTimeoutMs }, clock, silentLogger, metrics);
  const closed: string[] = [];
  const admit = (id: string, from: string) => pending.admit(from, () => closed.push(id));
  return { clock, metrics, pending, closed, admit };
}

test('past the overall cap the oldest pending stream is closed, and counted', () => {
  const { pending, closed, admit, metrics } = setup(3, 10);
  admit('a', '10.0.0.1:1');
  admit('b', '10.0.0.2:1');
  admit('c', '10.0.0.3:1');
  assert.deepEqual(closed, []);
  admit('d', '10.0.0.4:1');
  assert.deepEqual(closed, ['a']);
  assert.equal(pending.size, 3);
  assert.equal(metrics.counter('memberlist.tcp.pending_evicted'), 1);
});

test('past the per-address cap the oldest stream of that address goes, not the oldest overall', () => {
  const { closed, admit } = setup(10, 2);
  admit('other', '10.0.0.9:1');
  admit('a1', '10.0.0.1:1');
  admit('a2', '10.0.0.1:2');
  admit('a3', '10.0.0.1:3');
  assert.deepEqual(closed, ['a1']);
});

test('identified streams leave the set: they are neither evicted nor timed out', () => {
  const { clock, closed, admit, pending } = setup(2, 2, 1_000);
  const a = admit('a', '10.0.0.1:1');
  a.identified();
  a.identified(); // idempotent
  admit('b', '10.0.0.1:2');
  admit('c', '10.0.0.1:3');
  assert.deepEqual(closed, [], 'a no longer counts, so b and c fit');
  clock.advance(999);
  assert.deepEqual(closed, []);
  clock.advance(1);
  assert.deepEqual(closed.sort(), ['b', 'c'], 'the first-message deadline closes the silent ones');
  assert.equal(pending.size, 0);
});

test('a stream that never speaks is closed at its first-message deadline, and counted', () => {
  const { clock, closed, admit, metrics } = setup();
  admit('a', '[::1]:5');
  clock.advance(1_000);
  assert.deepEqual(closed, ['a']);
  assert.equal(metrics.counter('memberlist.tcp.pending_timeout'), 1);
});
