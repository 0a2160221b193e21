// The leader's duties on a manual clock, over the real store: session TTLs,
// and the reconcile of raft voters and the catalog with gossip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger } from '@shoal/kit';
import { RaftState, ServerSuffrage, type Configuration } from '@shoal/raft';
import type { Member, MemberView } from '../member-view.js';
import { StateStore } from '../state/store.js';
import { client, server } from '../testing/member-fixtures.js';
import { sessionSpec } from '../testing/store-fixtures.js';
import { settle, StoreReplicator } from '../testing/store-replicator.js';
import { LeaderDuties } from './leader-duties.js';

/** A raft that leads, with a configuration the duties change. */
function fakeRaft(voters: Member[]) {
  const configuration: Configuration = { servers: voters.map((m) => ({ id: m.name, address: m.tags.raftAddress!, suffrage: ServerSuffrage.Voter })) };
  return {
    state: RaftState.Leader as RaftState,
    configuration,
    getConfiguration: async () => ({ configuration, index: 1 }),
    addVoter: async (id: string, address: string) => {
      configuration.servers = [...configuration.servers.filter((s) => s.id !== id), { id, address, suffrage: ServerSuffrage.Voter }];
      return { index: 2 };
    },
    removeServer: async (id: string) => {
      configuration.servers = configuration.servers.filter((s) => s.id !== id);
      return { index: 3 };
    },
  };
}

function setup(members: Member[] = [server('n1')]) {
  const clock = new ManualClock();
  const store = new StateStore({ checkInvariants: true });
  const replicator = new StoreReplicator(store);
  const listeners = new Set<() => void>();
  const view: MemberView = { self: () => members[0]!, members: () => members, onChange: (l) => (listeners.add(l), () => listeners.delete(l)) };
  const raft = fakeRaft([members[0]!]);
  const duties = new LeaderDuties({ raft, store, replicator, members: view, datacenter: 'dc1', clock, logger: silentLogger, intervalMs: 60_000, retryMs: 1_000 });
  const changed = async (): Promise<void> => {
    for (const l of listeners) l();
    await settle();
  };
  return { clock, store, replicator, duties, members, raft, changed, listeners };
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

test('reconcile registers members with serfHealth; a failed member turns critical and its sessions end; one that left is deregistered', async () => {
  const { store, replicator, duties, members, changed } = setup([server('n1'), client('n2')]);
  duties.start();
  await duties.reconcileNow();
  assert.deepEqual([...store.catalog.nodes.keys()].sort(), ['n1', 'n2']);
  assert.equal(store.catalog.nodes.get('n2')!.id, 'id-n2');
  await replicator.write({ type: 'session-create', session: sessionSpec('on-n2', { node: 'n2' }) });
  const writes = replicator.writes.length;
  await duties.reconcileNow();
  assert.equal(replicator.writes.length, writes, 'nothing to write when in step');
  members[1] = client('n2', { status: 'failed' });
  await changed();
  assert.equal(store.catalog.checksOf('n2').get('serfHealth')!.status, 'critical');
  assert.equal(store.sessions.has('on-n2'), false);
  members[1] = client('n2', { status: 'left' });
  await changed();
  assert.equal(store.catalog.nodes.has('n2'), false);
});

test('reconcile adds an alive server as a voter and removes one that left; a failed one stays', async () => {
  const { duties, members, raft, changed } = setup([server('n1'), server('n2'), server('n3')]);
  duties.start();
  await duties.reconcileNow();
  assert.deepEqual(raft.configuration.servers.map((s) => s.id), ['n1', 'n2', 'n3']);
  members[1] = server('n2', { status: 'failed' });
  members[2] = server('n3', { status: 'left' });
  await changed();
  assert.deepEqual(raft.configuration.servers.map((s) => s.id), ['n1', 'n2']);
});

test('a failed reconcile runs again after retryMs; a follower reconciles nothing', async () => {
  const { clock, store, replicator, duties, raft, listeners } = setup([server('n1'), client('n2')]);
  replicator.failNext = 1;
  duties.start();
  await settle();
  assert.equal(store.catalog.nodes.size, 0, 'the first run failed');
  clock.advance(1_000);
  await settle();
  assert.deepEqual([...store.catalog.nodes.keys()].sort(), ['n1', 'n2']);
  duties.stop();
  assert.equal(listeners.size, 0, 'stopped duties no longer follow gossip');
  raft.state = RaftState.Follower;
  await replicator.write({ type: 'deregister', node: 'n2' });
  await duties.reconcileNow();
  assert.equal(store.catalog.nodes.has('n2'), false);
});
