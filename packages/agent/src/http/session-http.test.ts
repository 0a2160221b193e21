// /v1/session and locks (?acquire, ?release, lock-delay) over real HTTP against a dev agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAgent, type TestAgent } from '../testing/test-agent.js';

let a: TestAgent;
before(async () => (a = await startTestAgent('node-s')));
after(() => a.close());

interface SessionJson {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[];
  CreateIndex: number;
  ModifyIndex: number;
}

const create = async (body?: object): Promise<string> => {
  const r = await a.call('PUT', '/v1/session/create', body && JSON.stringify(body));
  assert.equal(r.status, 200, r.text);
  return r.json<{ ID: string }>().ID;
};

test('create with defaults, then info, list and node show it in Consul\'s JSON', async () => {
  const id = await create();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const info = await a.call('GET', `/v1/session/info/${id}`);
  const [s] = info.json<SessionJson[]>();
  assert.deepEqual([s!.ID, s!.Node, s!.LockDelay, s!.Behavior, s!.TTL, s!.NodeChecks], [id, 'node-s', 15e9, 'release', '', ['serfHealth']]);
  assert.ok(Number(info.headers.get('x-consul-index')) >= s!.ModifyIndex);
  assert.ok((await a.call('GET', '/v1/session/list')).json<SessionJson[]>().some((x) => x.ID === id));
  assert.ok((await a.call('GET', '/v1/session/node/node-s')).json<SessionJson[]>().some((x) => x.ID === id));
  assert.deepEqual((await a.call('GET', '/v1/session/info/unknown')).json(), []);
});

test('create validates TTL, Behavior, LockDelay and the node', async () => {
  const bad = async (body: string): Promise<[number, string]> => {
    const r = await a.call('PUT', '/v1/session/create', body);
    return [r.status, r.text.trim()];
  };
  assert.deepEqual(await bad('{"TTL":"5s"}'), [400, "Invalid Session TTL '5s', must be between [10s=24h0m0s]"]);
  assert.deepEqual(await bad('{"Behavior":"explode"}'), [400, "Invalid Behavior setting 'explode'"]);
  assert.equal((await bad('{"LockDelay":"2m"}'))[0], 400);
  assert.equal((await bad('{bad json'))[0], 400);
  assert.deepEqual(await bad('{"Node":"elsewhere"}'), [500, 'Missing node registration']);
  assert.deepEqual(await bad('{"Checks":["nope"]}'), [500, "Missing check 'nope' registration"]);
  const id = await create({ TTL: '30s', LockDelay: 5, Behavior: 'delete', Name: 'n' });
  const [s] = (await a.call('GET', `/v1/session/info/${id}`)).json<SessionJson[]>();
  assert.deepEqual([s!.TTL, s!.LockDelay, s!.Behavior, s!.Name], ['30s', 5e9, 'delete', 'n'], 'a LockDelay below 1000 is seconds');
});

test('renew answers the session, and 404 once it is gone', async () => {
  const id = await create({ TTL: '10s' });
  const renewed = await a.call('PUT', `/v1/session/renew/${id}`);
  assert.equal(renewed.status, 200);
  assert.equal(renewed.json<SessionJson[]>()[0]!.ID, id);
  assert.equal((await a.call('PUT', `/v1/session/destroy/${id}`)).text, 'true');
  assert.equal((await a.call('PUT', `/v1/session/renew/${id}`)).status, 404);
  assert.deepEqual((await a.call('GET', `/v1/session/info/${id}`)).json(), []);
});

test('acquire and release: one holder at a time, LockIndex counts acquisitions', async () => {
  const s1 = await create({ LockDelay: '0s' });
  const s2 = await create({ LockDelay: '0s' });
  assert.equal((await a.call('PUT', `/v1/kv/service/leader?acquire=${s1}`, 'one')).text, 'true');
  assert.equal((await a.call('PUT', `/v1/kv/service/leader?acquire=${s2}`, 'two')).text, 'false');
  assert.equal((await a.call('PUT', `/v1/kv/service/leader?release=${s2}`)).text, 'false');
  const [held] = (await a.call('GET', '/v1/kv/service/leader')).json<{ Session: string; LockIndex: number }[]>();
  assert.deepEqual([held!.Session, held!.LockIndex], [s1, 1]);
  assert.equal((await a.call('PUT', `/v1/kv/service/leader?release=${s1}`, 'one')).text, 'true');
  assert.equal((await a.call('PUT', `/v1/kv/service/leader?acquire=${s2}`, 'two')).text, 'true');
  assert.equal((await a.call('GET', '/v1/kv/service/leader')).json<{ LockIndex: number }[]>()[0]!.LockIndex, 2);
  const unknown = await a.call('PUT', '/v1/kv/service/leader?acquire=00000000-0000-0000-0000-000000000000', 'x');
  assert.equal(unknown.status, 500);
  assert.match(unknown.text, /invalid session/);
});

test('destroying a session releases its lock, then lock-delay refuses other sessions until it passes', async () => {
  const holder = await create({ LockDelay: '1s' });
  const waiter = await create({ LockDelay: '0s' });
  assert.equal((await a.call('PUT', `/v1/kv/delayed?acquire=${holder}`, 'h')).text, 'true');
  await a.call('PUT', `/v1/session/destroy/${holder}`);
  const [released] = (await a.call('GET', '/v1/kv/delayed')).json<{ Session?: string }[]>();
  assert.equal(released!.Session, undefined);
  const destroyedAt = performance.now();
  assert.equal((await a.call('PUT', `/v1/kv/delayed?acquire=${waiter}`, 'w')).text, 'false');
  let acquiredAt = 0;
  while (performance.now() - destroyedAt < 10_000) {
    if ((await a.call('PUT', `/v1/kv/delayed?acquire=${waiter}`, 'w')).text === 'true') {
      acquiredAt = performance.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(acquiredAt - destroyedAt >= 900, `acquired ${acquiredAt - destroyedAt} ms after the destroy`);
});

test('a txn with a lock op on a key under lock-delay fails whole, as Consul\'s txn pre-check does', async () => {
  const holder = await create({ LockDelay: '60s' });
  const waiter = await create({ LockDelay: '0s' });
  assert.equal((await a.call('PUT', `/v1/kv/txn-delayed?acquire=${holder}`, 'h')).text, 'true');
  await a.call('PUT', `/v1/session/destroy/${holder}`);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const r = await a.call('PUT', '/v1/txn', JSON.stringify([
    { KV: { Verb: 'set', Key: 'txn-delayed-other', Value: b64('x') } },
    { KV: { Verb: 'lock', Key: 'txn-delayed', Value: b64('w'), Session: waiter } },
  ]));
  assert.equal(r.status, 409, r.text);
  assert.deepEqual(r.json(), { Results: null, Errors: [{ OpIndex: 1, What: 'failed to lock key "txn-delayed" due to lock delay' }] });
  assert.equal((await a.call('GET', '/v1/kv/txn-delayed-other')).status, 404, 'no op of the txn applied');
  const [entry] = (await a.call('GET', '/v1/kv/txn-delayed')).json<{ Session?: string }[]>();
  assert.equal(entry!.Session, undefined);
  // A lock on a key with no lock-delay still goes through in a txn.
  const ok = await a.call('PUT', '/v1/txn', JSON.stringify([{ KV: { Verb: 'lock', Key: 'txn-free', Value: b64('w'), Session: waiter } }]));
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await a.call('GET', '/v1/kv/txn-free')).json<{ Session?: string }[]>()[0]!.Session, waiter);
});

test('behavior delete: destroying the session deletes its keys', async () => {
  const s = await create({ Behavior: 'delete', LockDelay: '0s' });
  await a.call('PUT', `/v1/kv/ephemeral?acquire=${s}`, 'x');
  await a.call('PUT', `/v1/session/destroy/${s}`);
  assert.equal((await a.call('GET', '/v1/kv/ephemeral')).status, 404);
});

test('a blocking session list returns when a session is created', async () => {
  const index = (await a.call('GET', '/v1/session/list')).headers.get('x-consul-index');
  const pending = a.call('GET', `/v1/session/list?index=${index}&wait=20s`);
  await new Promise((r) => setTimeout(r, 50));
  const id = await create();
  const r = await pending;
  assert.ok(Number(r.headers.get('x-consul-index')) > Number(index));
  assert.ok(r.json<SessionJson[]>().some((s) => s.ID === id));
});
