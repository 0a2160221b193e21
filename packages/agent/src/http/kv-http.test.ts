// /v1/kv and /v1/txn over real HTTP against a dev agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { b64, startTestAgent, type TestAgent } from '../testing/test-agent.js';

let a: TestAgent;
before(async () => (a = await startTestAgent()));
after(() => a.close());

interface Entry {
  Key: string;
  Value: string | null;
  Flags: number;
  LockIndex: number;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

test('PUT then GET a key: base64 value, flags, indexes and Consul headers', async () => {
  assert.equal((await a.call('PUT', '/v1/kv/app/config?flags=42', 'hello')).text, 'true');
  const r = await a.call('GET', '/v1/kv/app/config');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const [e] = r.json<Entry[]>();
  assert.deepEqual([e!.Key, Buffer.from(e!.Value!, 'base64').toString(), e!.Flags, e!.LockIndex], ['app/config', 'hello', 42, 0]);
  assert.equal(r.headers.get('x-consul-index'), String(e!.ModifyIndex));
  assert.equal(r.headers.get('x-consul-knownleader'), 'true');
  assert.equal(r.headers.get('x-consul-lastcontact'), '0');
  assert.ok(!('Session' in e!));
});

test('flags above 2^53 keep every digit', async () => {
  await a.call('PUT', '/v1/kv/big-flags?flags=18446744073709551615', 'x');
  assert.match((await a.call('GET', '/v1/kv/big-flags')).text, /"Flags":18446744073709551615,/);
  assert.equal((await a.call('PUT', '/v1/kv/big-flags?flags=18446744073709551616', 'x')).status, 400);
});

test('?raw returns the bytes; an empty value is null in JSON', async () => {
  await a.call('PUT', '/v1/kv/raw', new Uint8Array([0, 255, 1]));
  const raw = await fetch(`${a.base}/v1/kv/raw?raw`);
  assert.deepEqual([...new Uint8Array(await raw.arrayBuffer())], [0, 255, 1]);
  await a.call('PUT', '/v1/kv/empty');
  assert.equal((await a.call('GET', '/v1/kv/empty')).json<Entry[]>()[0]!.Value, null);
});

test('a missing key is 404 with an index; ?recurse and ?keys list a prefix', async () => {
  const missing = await a.call('GET', '/v1/kv/no/such/key');
  assert.equal(missing.status, 404);
  assert.ok(Number(missing.headers.get('x-consul-index')) >= 1);
  for (const k of ['tree/a', 'tree/b/1', 'tree/b/2']) await a.call('PUT', `/v1/kv/${k}`, k);
  assert.deepEqual((await a.call('GET', '/v1/kv/tree/?recurse')).json<Entry[]>().map((e) => e.Key), ['tree/a', 'tree/b/1', 'tree/b/2']);
  assert.deepEqual((await a.call('GET', '/v1/kv/tree/?keys&separator=/')).json(), ['tree/a', 'tree/b/']);
  assert.equal((await a.call('GET', '/v1/kv/nothing/?recurse')).status, 404);
  assert.equal((await a.call('GET', '/v1/kv/nothing/?keys')).status, 404);
});

test('cas: 0 creates only; the current ModifyIndex replaces; a stale one is refused', async () => {
  assert.equal((await a.call('PUT', '/v1/kv/cas-key?cas=0', 'v1')).text, 'true');
  assert.equal((await a.call('PUT', '/v1/kv/cas-key?cas=0', 'v2')).text, 'false');
  const [e] = (await a.call('GET', '/v1/kv/cas-key')).json<Entry[]>();
  assert.equal((await a.call('PUT', `/v1/kv/cas-key?cas=${e!.ModifyIndex}`, 'v3')).text, 'true');
  assert.equal((await a.call('PUT', `/v1/kv/cas-key?cas=${e!.ModifyIndex}`, 'v4')).text, 'false');
  assert.equal((await a.call('DELETE', `/v1/kv/cas-key?cas=${e!.ModifyIndex}`)).text, 'false');
  assert.equal((await a.call('PUT', '/v1/kv/cas-key?cas=abc', 'x')).status, 400);
});

test('DELETE one key and ?recurse a prefix; the deletion moves the key\'s index', async () => {
  await a.call('PUT', '/v1/kv/del/a', '1');
  await a.call('PUT', '/v1/kv/del/b', '2');
  const before = Number((await a.call('GET', '/v1/kv/del/a')).headers.get('x-consul-index'));
  assert.equal((await a.call('DELETE', '/v1/kv/del/a')).text, 'true');
  const gone = await a.call('GET', '/v1/kv/del/a');
  assert.equal(gone.status, 404);
  assert.ok(Number(gone.headers.get('x-consul-index')) > before);
  assert.equal((await a.call('DELETE', '/v1/kv/del/?recurse')).text, 'true');
  assert.equal((await a.call('GET', '/v1/kv/del/?recurse')).status, 404);
});

test('blocking GET returns when the key changes, with the new index', async () => {
  await a.call('PUT', '/v1/kv/watched', 'v1');
  const index = Number((await a.call('GET', '/v1/kv/watched')).headers.get('x-consul-index'));
  const started = performance.now();
  const pending = a.call('GET', `/v1/kv/watched?index=${index}&wait=30s`);
  await new Promise((r) => setTimeout(r, 100));
  await a.call('PUT', '/v1/kv/unrelated', 'x');
  await a.call('PUT', '/v1/kv/watched', 'v2');
  const r = await pending;
  assert.ok(performance.now() - started < 10_000);
  assert.ok(Number(r.headers.get('x-consul-index')) > index);
  assert.equal(Buffer.from(r.json<Entry[]>()[0]!.Value!, 'base64').toString(), 'v2');
});

test('blocking GET returns the same index once ?wait runs out; index 0 does not block', async () => {
  await a.call('PUT', '/v1/kv/quiet', 'v');
  const index = (await a.call('GET', '/v1/kv/quiet')).headers.get('x-consul-index');
  const started = performance.now();
  const r = await a.call('GET', `/v1/kv/quiet?index=${index}&wait=300ms`);
  const took = performance.now() - started;
  assert.equal(r.headers.get('x-consul-index'), index);
  assert.ok(took >= 290 && took < 5000, `took ${took} ms`);
  const t0 = performance.now();
  await a.call('GET', '/v1/kv/quiet?index=0&wait=10s');
  assert.ok(performance.now() - t0 < 2000);
  assert.equal((await a.call('GET', '/v1/kv/quiet?index=x')).status, 400);
  assert.equal((await a.call('GET', '/v1/kv/quiet?index=1&wait=soon')).status, 400);
});

test('?stale reads locally; ?stale with ?consistent is refused', async () => {
  assert.equal((await a.call('GET', '/v1/kv/app/config?stale')).status, 200);
  assert.equal((await a.call('GET', '/v1/kv/app/config?consistent')).status, 200);
  assert.equal((await a.call('GET', '/v1/kv/app/config?stale&consistent')).status, 400);
});

test('txn: all or nothing, 200 with Results, 409 with Errors', async () => {
  await a.call('PUT', '/v1/kv/txn/x', 'x0');
  const [x] = (await a.call('GET', '/v1/kv/txn/x')).json<Entry[]>();
  const ok = await a.call('PUT', '/v1/txn', JSON.stringify([
    { KV: { Verb: 'set', Key: 'txn/a', Value: b64('A'), Flags: 7 } },
    { KV: { Verb: 'cas', Key: 'txn/x', Value: b64('x1'), Index: x!.ModifyIndex } },
    { KV: { Verb: 'get', Key: 'txn/x' } },
    { KV: { Verb: 'delete', Key: 'txn/none' } },
  ]));
  assert.equal(ok.status, 200, ok.text);
  const body = ok.json<{ Results: { KV: Entry }[]; Errors: null }>();
  assert.equal(body.Errors, null);
  assert.deepEqual(body.Results.map((r) => [r.KV.Key, r.KV.Value, r.KV.Flags]), [['txn/a', null, 7], ['txn/x', null, 0], ['txn/x', b64('x1'), 0]]);

  const failed = await a.call('PUT', '/v1/txn', JSON.stringify([
    { KV: { Verb: 'set', Key: 'txn/b', Value: b64('B') } },
    { KV: { Verb: 'check-index', Key: 'txn/x', Index: 1 } },
  ]));
  assert.equal(failed.status, 409);
  const errors = failed.json<{ Results: null; Errors: { OpIndex: number; What: string }[] }>();
  assert.equal(errors.Results, null);
  assert.deepEqual(errors.Errors.map((e) => e.OpIndex), [1]);
  assert.match(errors.Errors[0]!.What, /^current modify index \d+ != 1$/);
  assert.equal((await a.call('GET', '/v1/kv/txn/b')).status, 404, 'rolled back');

  const unknown = await a.call('PUT', '/v1/txn', JSON.stringify([{ KV: { Verb: 'explode', Key: 'k' } }]));
  assert.equal(unknown.status, 409);
  assert.equal(unknown.json<{ Errors: { What: string }[] }>().Errors[0]!.What, 'unknown KV verb "explode"');
});

test('txn limits: 64 ops, then 413; malformed bodies 400', async () => {
  const ops = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ KV: { Verb: 'set', Key: `many/${i}`, Value: b64('v') } })));
  assert.equal((await a.call('PUT', '/v1/txn', ops(64))).status, 200);
  const tooMany = await a.call('PUT', '/v1/txn', ops(65));
  assert.equal(tooMany.status, 413);
  assert.equal(tooMany.text.trim(), 'Transaction contains too many operations (65 > 64)');
  assert.equal((await a.call('PUT', '/v1/txn', '{not json')).status, 400);
  assert.equal((await a.call('PUT', '/v1/txn', '{"KV":1}')).status, 400);
  assert.equal((await a.call('PUT', '/v1/txn', JSON.stringify([{ Node: {} }]))).status, 400);
  assert.equal((await a.call('PUT', '/v1/txn', JSON.stringify([{ KV: { Verb: 'set', Key: 'k', Value: '!!' } }]))).status, 400);
});

test('limits and bad requests: 413 above 512 KiB, 400 without a key, 404 unknown path, 405 wrong method', async () => {
  assert.equal((await a.call('PUT', '/v1/kv/max', new Uint8Array(512 * 1024))).text, 'true');
  const big = await a.call('PUT', '/v1/kv/too-big', new Uint8Array(512 * 1024 + 1));
  assert.equal(big.status, 413);
  assert.equal((await a.call('PUT', '/v1/kv/', 'x')).status, 400);
  assert.equal((await a.call('DELETE', '/v1/kv/')).status, 400);
  assert.equal((await a.call('PUT', `/v1/kv/${'k'.repeat(9000)}`, 'x')).status, 400);
  assert.equal((await a.call('GET', '/v1/nope')).status, 404);
  const wrong = await a.call('POST', '/v1/kv/x', 'x');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, PUT, DELETE');
  assert.equal((await a.call('GET', '/v1/kv/%E0%A4%A')).status, 400, 'malformed percent-encoding');
  assert.equal((await a.call('GET', '/v1/kv/app/config')).status, 200, 'still serving');
});
