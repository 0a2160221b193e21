// The npm `consul` client (v2) against a dev agent, unchanged: KV, cas, txn,
// sessions, Consul's leader-election recipe with two contenders, a watch
// (blocking queries), and service registration with health. consul@2 has no
// lock helper of its own (it was removed in 1.0), so the election is the
// recipe its documentation points to, written with the client's calls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { startDevAgent, type DevAgent } from './dev-agent.js';

let agent: DevAgent;
let consul: Consul;
before(async () => {
  agent = await startDevAgent({ http: '127.0.0.1:0', nodeName: 'client-test' });
  const [host, port] = agent.address.split(':');
  consul = new Consul({ host: host!, port: Number(port) });
});
after(async () => {
  consul.destroy();
  await agent.close();
});

interface Item {
  Key: string;
  Value: string;
  ModifyIndex: number;
  Session?: string;
}

test('kv: set, get, keys, cas and del', async () => {
  assert.equal(await consul.kv.set('client/a', 'one'), true);
  await consul.kv.set('client/b', 'two');
  const a = (await consul.kv.get('client/a')) as Item;
  assert.equal(a.Value, 'one');
  assert.deepEqual(await consul.kv.keys('client/'), ['client/a', 'client/b']);
  assert.deepEqual(((await consul.kv.get({ key: 'client/', recurse: true })) as Item[]).map((i) => i.Value), ['one', 'two']);
  // The client turns the agent's `false` into undefined.
  assert.ok(!(await consul.kv.set({ key: 'client/a', value: 'stale', cas: a.ModifyIndex - 1 })));
  assert.equal(((await consul.kv.get('client/a')) as Item).Value, 'one');
  assert.equal(await consul.kv.set({ key: 'client/a', value: 'three', cas: a.ModifyIndex }), true);
  assert.equal(await consul.kv.del('client/a'), true);
  assert.equal(await consul.kv.get('client/a'), undefined, 'a missing key is undefined, from the 404');
});

test('txn: all or nothing, with the 409 as an error', async () => {
  // The client's typings want an options object; its code takes the array of operations, as its README shows.
  const txn = (operations: object[]): Promise<unknown> => consul.transaction.create(operations as never);
  const ok = (await txn([
    { KV: { Verb: 'set', Key: 'client/txn/x', Value: Buffer.from('x').toString('base64') } },
    { KV: { Verb: 'get', Key: 'client/txn/x' } },
  ])) as { Results: { KV: Item }[] };
  assert.equal(Buffer.from(ok.Results[1]!.KV.Value, 'base64').toString(), 'x');
  await assert.rejects(
    txn([
      { KV: { Verb: 'set', Key: 'client/txn/y', Value: '' } },
      { KV: { Verb: 'check-not-exists', Key: 'client/txn/x' } },
    ]),
    (error: { statusCode?: number }) => error.statusCode === 409,
  );
  assert.equal(await consul.kv.get('client/txn/y'), undefined);
});

test('sessions: create, info, list, node, renew, destroy', async () => {
  const { ID } = (await consul.session.create({ name: 'client', ttl: '10s' })) as { ID: string };
  assert.equal(((await consul.session.info(ID)) as { Name: string }).Name, 'client');
  assert.ok(((await consul.session.list()) as { ID: string }[]).some((s) => s.ID === ID));
  assert.ok(((await consul.session.node('client-test')) as { ID: string }[]).some((s) => s.ID === ID));
  assert.equal(((await consul.session.renew(ID)) as { ID: string }[])[0]!.ID, ID);
  await consul.session.destroy(ID);
  assert.equal(await consul.session.info(ID), undefined);
});

/** Consul's leader election: acquire the key with a session; while another holds it, block on the key until it is free. */
async function contend(key: string, name: string): Promise<{ session: string; release(): Promise<void> }> {
  const { ID: session } = (await consul.session.create({ name, ttl: '10s', lockdelay: '0s' })) as { ID: string };
  let index: number | undefined;
  while (true) {
    if (await consul.kv.set({ key, value: name, acquire: session })) {
      return { session, release: async () => void (await consul.kv.set({ key, value: name, release: session })) };
    }
    const current = (await consul.kv.get({ key, ...(index === undefined ? {} : { index, wait: '5s' }) })) as Item;
    index = current.ModifyIndex;
  }
}

test('leader election: two contenders, one leads, the other takes over when it releases', async () => {
  const key = 'client/service/leader';
  const order: string[] = [];
  const first = await contend(key, 'alpha');
  order.push('alpha leads');
  const second = contend(key, 'beta').then((lock) => (order.push('beta leads'), lock));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(order, ['alpha leads'], 'beta waits while alpha holds the lock');
  assert.equal(((await consul.kv.get(key)) as Item).Session, first.session);
  order.push('alpha releases');
  await first.release();
  const lock = await second;
  assert.deepEqual(order, ['alpha leads', 'alpha releases', 'beta leads']);
  assert.equal(((await consul.kv.get(key)) as Item).Value, 'beta');
  await lock.release();
});

test('watch: blocking queries deliver each change', async () => {
  await consul.kv.set('client/watched', 'v0');
  const seen: string[] = [];
  const watch = consul.watch({ method: consul.kv.get, options: { key: 'client/watched', wait: '5s' } });
  const done = new Promise<void>((resolve, reject) => {
    watch.on('change', (data: Item | undefined) => {
      if (data) seen.push(data.Value);
      if (seen.includes('v2')) resolve();
    });
    watch.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 200));
  await consul.kv.set('client/watched', 'v1');
  await new Promise((r) => setTimeout(r, 200));
  await consul.kv.set('client/watched', 'v2');
  await done;
  watch.end();
  assert.deepEqual(seen, ['v0', 'v1', 'v2']);
});

test('services: register with a TTL check, pass it, find it healthy, deregister', async () => {
  await consul.agent.service.register({ name: 'billing', id: 'billing-1', port: 9000, tags: ['blue'], check: { ttl: '30s' } as never });
  assert.ok('billing-1' in ((await consul.agent.service.list()) as Record<string, unknown>));
  assert.deepEqual(await consul.health.service({ service: 'billing', passing: true }), []);
  await consul.agent.check.pass('service:billing-1');
  const healthy = (await consul.health.service({ service: 'billing', passing: true })) as { Service: { ID: string } }[];
  assert.deepEqual(healthy.map((h) => h.Service.ID), ['billing-1']);
  assert.deepEqual(((await consul.catalog.service.nodes({ service: 'billing', tag: 'blue' })) as { ServiceID: string }[]).map((s) => s.ServiceID), ['billing-1']);
  assert.ok('billing' in ((await consul.catalog.service.list()) as Record<string, unknown>));
  assert.equal(await consul.status.leader(), '127.0.0.1:8300');
  await consul.agent.service.deregister('billing-1');
  assert.deepEqual(await consul.health.service('billing'), []);
});
