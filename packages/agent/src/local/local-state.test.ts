// TTL checks and anti-entropy on a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { StateStore } from '../state/store.js';
import type { ServiceSpec } from '../state/commands.js';
import { nodeSpec } from '../testing/store-fixtures.js';
import { settle, StoreReplicator } from '../testing/store-replicator.js';
import { AntiEntropy } from './anti-entropy.js';
import { LocalState, TTL_EXPIRED_OUTPUT } from './local-state.js';

const web: ServiceSpec = { id: 'web', service: 'web', tags: [], address: '', port: 80, meta: {}, enableTagOverride: false };
const ttlCheck = (status: 'passing' | 'critical' = 'passing') => ({ spec: { checkId: 'service:web', name: 'c', status, notes: '', output: '', serviceId: 'web', type: 'ttl' }, ttlMs: 5000 });

test('a TTL check turns critical when not updated in time; each update restarts the TTL', () => {
  const clock = new ManualClock();
  const local = new LocalState(clock);
  local.addService(web, [ttlCheck()]);
  clock.advance(4000);
  local.updateCheck('service:web', 'passing', 'ok');
  clock.advance(4999);
  assert.equal(local.checks().get('service:web')!.spec.status, 'passing');
  clock.advance(1);
  assert.deepEqual([local.checks().get('service:web')!.spec.status, local.checks().get('service:web')!.spec.output], ['critical', TTL_EXPIRED_OUTPUT]);
  assert.equal(local.updateCheck('nope', 'passing', ''), false);
  local.removeService('web');
  assert.equal(local.checks().size, 0);
});

function antiEntropy() {
  const clock = new ManualClock();
  const store = new StateStore({ checkInvariants: true });
  const replicator = new StoreReplicator(store);
  const local = new LocalState(clock);
  const node = nodeSpec('me');
  const ae = new AntiEntropy({ local, replicator, node, clock, intervalMs: 60_000, catalog: store.catalog });
  return { clock, store, replicator, local, ae };
}

test('anti-entropy writes the node, services and checks, and only what differs', async () => {
  const { store, replicator, local, ae } = antiEntropy();
  ae.start();
  await ae.syncNow();
  assert.ok(store.catalog.nodes.has('me'));
  local.addService(web, [ttlCheck()]);
  await ae.syncNow();
  assert.equal(store.catalog.checksOf('me').get('service:web')!.status, 'passing');
  const writes = replicator.writes.length;
  await ae.syncNow();
  assert.equal(replicator.writes.length, writes, 'in sync: nothing written');
  local.updateCheck('service:web', 'critical', 'bad');
  await ae.syncNow();
  assert.equal(store.catalog.checksOf('me').get('service:web')!.output, 'bad');
  ae.stop();
});

test('anti-entropy removes what the catalog has and the agent does not, and retries a failed sync', async () => {
  const { clock, store, replicator, local, ae } = antiEntropy();
  await replicator.write({ type: 'register', node: nodeSpec('me'), service: { ...web, id: 'stale' } });
  replicator.failNext = 1;
  local.addService(web, []);
  ae.start();
  await settle();
  assert.equal(store.catalog.servicesOf('me').has('web'), false, 'the first sync failed');
  clock.advance(1000);
  await settle();
  assert.deepEqual([...store.catalog.servicesOf('me').keys()], ['web']);
  ae.stop();
});
