// Session TTLs and member reconciliation on a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import type { Member, MemberView } from '../member-view.js';
import { StateStore } from '../state/store.js';
import { sessionSpec } from '../testing/store-fixtures.js';
import { settle, StoreReplicator } from '../testing/store-replicator.js';
import { LeaderDuties, reconcileCommands } from './leader-duties.js';

function member(name: string, status: Member['status'] = 'alive'): Member {
  return { name, id: `id-${name}`, address: `10.0.0.${name.length}`, port: 8301, status, tags: {} };
}

function setup(members: Member[] = [member('n1')]) {
  const clock = new ManualClock();
  const store = new StateStore({ checkInvariants: true });
  const replicator = new StoreReplicator(store);
  let listener: () => void = () => {};
  const view: MemberView = { self: () => members[0]!, members: () => members, onChange: (l: () => void) => ((listener = l), () => {}) };
  const duties = new LeaderDuties({ store, replicator, members: view, datacenter: 'dc1', clock });
  return { clock, store, replicator, duties, members, changed: () => listener() };
}

test('a session with a TTL ends after twice its TTL, unless renewed', async () => {
  const { clock, store, replicator, duties } = setup();
  duties.start();
  await duties.reconcileNow();
  await replicator.write({ type: 'session-create', session: sessionSpec('s', { ttlMs: 10_000 }) });
  await replicator.write({ type: 'session-create', session: sessionSpec('forever') });
  clock.advance(15_000);
  assert.equal(duties.renew('s'), true);
  clock.advance(19_999);
  await settle();
  assert.ok(store.sessions.has('s'), 'renewal restarted the 20 s');
  clock.advance(1);
  await settle();
  assert.deepEqual([...store.sessions.keys()], ['forever']);
  assert.equal(duties.renew('s'), false);
});

test('a new leader gives every session a full TTL again; a stopped one ends none', async () => {
  const { clock, store, replicator, duties } = setup();
  await replicator.write({ type: 'register', node: { node: 'n1', id: 'id-n1', address: 'a', datacenter: 'dc1' }, checks: [] });
  await replicator.write({ type: 'session-create', session: sessionSpec('s', { ttlMs: 10_000, nodeChecks: [] }) });
  clock.advance(60_000);
  duties.start();
  clock.advance(19_000);
  duties.stop();
  clock.advance(60_000);
  await settle();
  assert.ok(store.sessions.has('s'));
  duties.start();
  clock.advance(20_000);
  await settle();
  assert.equal(store.sessions.has('s'), false);
});

test('an expiry that fails to write is retried', async () => {
  const { clock, store, replicator, duties } = setup();
  duties.start();
  await duties.reconcileNow();
  await replicator.write({ type: 'session-create', session: sessionSpec('s', { ttlMs: 10_000 }) });
  replicator.failNext = 1;
  clock.advance(20_000);
  await settle();
  assert.ok(store.sessions.has('s'));
  clock.advance(1000);
  await settle();
  assert.equal(store.sessions.has('s'), false);
});

test('reconcile registers members with serfHealth; a failed member turns critical and its sessions end', async () => {
  const { store, replicator, duties, members, changed, clock } = setup([member('n1'), member('n2')]);
  duties.start();
  await duties.reconcileNow();
  assert.deepEqual([...store.catalog.nodes.keys()].sort(), ['n1', 'n2']);
  await replicator.write({ type: 'session-create', session: sessionSpec('on-n2', { node: 'n2' }) });
  assert.deepEqual(reconcileCommands(store, members, 'n1', 'dc1'), [], 'nothing to do when in step');
  members[1] = member('n2', 'failed');
  changed();
  clock.advance(0);
  await settle();
  assert.equal(store.catalog.checksOf('n2').get('serfHealth')!.status, 'critical');
  assert.equal(store.sessions.has('on-n2'), false);
  members[1] = member('n2', 'left');
  changed();
  clock.advance(0);
  await settle();
  assert.equal(store.catalog.nodes.has('n2'), false);
});
