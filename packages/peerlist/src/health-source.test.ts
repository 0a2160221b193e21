// HealthServiceSource against a fake HTTP function on a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { HealthServiceSource, HealthSourceError, HealthSourceErrorCode, parseHealthService, type HealthFetch, type HealthResponse } from './health-source.js';
import type { ListUpdates } from './peer-list.js';

interface Pending {
  url: string;
  signal: AbortSignal;
  resolve(res: HealthResponse): void;
  reject(error: unknown): void;
}

class FakeHttp {
  readonly pending: Pending[] = [];
  readonly urls: string[] = [];
  readonly fetch: HealthFetch = (url, init) =>
    new Promise<HealthResponse>((resolve, reject) => {
      this.urls.push(url);
      const p: Pending = { url, signal: init.signal, resolve, reject };
      init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true });
      this.pending.push(p);
    });

  async next(): Promise<Pending> {
    for (let i = 0; i < 100 && this.pending.length === 0; i++) await new Promise((r) => setImmediate(r));
    const p = this.pending.shift();
    assert.ok(p, 'expected a request');
    return p;
  }
  static answer(status: number, body: string, index?: number): HealthResponse {
    return { status, headers: { get: (n) => (n.toLowerCase() === 'x-consul-index' && index !== undefined ? String(index) : null) }, text: async () => body };
  }
}

function entry(id: string, port: number, serviceAddress = '', nodeAddress = '10.0.0.9'): unknown {
  return { Node: { Node: 'n1', Address: nodeAddress }, Service: { ID: id, Service: 'web', Address: serviceAddress, Port: port }, Checks: [] };
}

function recorder(): { list: { update(u: ListUpdates): void }; updates: ListUpdates[] } {
  const updates: ListUpdates[] = [];
  return { list: { update: (u) => updates.push(u) }, updates };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

test('parseHealthService: Service.Address, else Node.Address; IPv6 ids; totals on garbage', () => {
  const ok = parseHealthService(JSON.stringify([entry('a', 80, '10.0.0.1'), entry('b', 81)]));
  assert.deepEqual(ok, [
    { id: 'a', address: '10.0.0.1', port: 80, node: 'n1' },
    { id: 'b', address: '10.0.0.9', port: 81, node: 'n1' },
  ]);
  assert.deepEqual(parseHealthService('null'), []);
  for (const bad of ['{', '{}', '[1]', '[{"Service":{"ID":"a","Port":0,"Address":"x"}}]', '[{"Service":{"ID":"a","Port":80}}]', '[{"Service":{"Port":80,"Address":"x"}}]', '[{"Service":{"ID":"a","Port":1.5,"Address":"x"}}]']) {
    const r = parseHealthService(bad);
    assert.ok(r instanceof HealthSourceError, bad);
    assert.equal(r.code, HealthSourceErrorCode.Malformed);
  }
});

test('blocking queries: adds, removes, follows X-Consul-Index, keeps the last good set on a malformed body', { timeout: 60_000 }, async () => {
  const http = new FakeHttp();
  const clock = new ManualClock();
  const { list, updates } = recorder();
  const errors: unknown[] = [];
  const source = new HealthServiceSource({ agent: 'http://agent:8500/', service: 'web', list, fetch: http.fetch, clock, waitMs: 60_000, onError: (e) => errors.push(e) });
  source.start();

  let req = await http.next();
  assert.equal(req.url, 'http://agent:8500/v1/health/service/web?passing');
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80, '10.0.0.1'), entry('b', 81, '10.0.0.2')]), 7));
  req = await http.next();
  assert.equal(req.url, 'http://agent:8500/v1/health/service/web?passing&index=7&wait=60000ms');
  assert.deepEqual(updates, [{ additions: ['10.0.0.1:80', '10.0.0.2:81'], removals: [] }]);

  // The wait ran out with no change: no update.
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80, '10.0.0.1'), entry('b', 81, '10.0.0.2')]), 7));
  req = await http.next();
  assert.equal(updates.length, 1);

  // b fails its check, c appears.
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80, '10.0.0.1'), entry('c', 82, '::1')]), 9));
  req = await http.next();
  assert.match(req.url, /index=9/);
  assert.deepEqual(updates[1], { additions: ['[::1]:82'], removals: ['10.0.0.2:81'] });

  // Malformed: counted, reported, the set kept; retried after the backoff at the same index.
  req.resolve(FakeHttp.answer(200, '[{"Service":', 10));
  await settle();
  assert.equal(source.stats.malformed, 1);
  assert.equal(http.pending.length, 0, 'waits out the backoff');
  assert.equal(updates.length, 2);
  assert.ok(errors[0] instanceof HealthSourceError && errors[0].code === HealthSourceErrorCode.Malformed);
  clock.advance(100);
  req = await http.next();
  assert.match(req.url, /index=9/);
  assert.deepEqual(source.instances.map((i) => i.id), ['a', 'c']);

  // An index that goes backwards starts over: a non-blocking request, after the minimum backoff.
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80, '10.0.0.1'), entry('c', 82, '::1')]), 3));
  await settle();
  clock.advance(100);
  req = await http.next();
  assert.equal(req.url, 'http://agent:8500/v1/health/service/web?passing');
  assert.equal(source.index, 0);

  const stopped = source.stop();
  await stopped;
  assert.ok(req.signal.aborted, 'stop aborts the request in flight');
  assert.equal(clock.pendingCount, 0);
  assert.equal(source.stats.answers, 4);
});

test('errors: bounded exponential backoff, reset after a success; stop during a backoff', { timeout: 60_000 }, async () => {
  const http = new FakeHttp();
  const clock = new ManualClock();
  const { list, updates } = recorder();
  const source = new HealthServiceSource({ agent: 'http://agent:8500', service: 'web', tag: 'v 2', list, fetch: http.fetch, clock, minBackoffMs: 100, maxBackoffMs: 500, token: 't' });
  source.start();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const req = await http.next();
    if (i === 0) assert.equal(req.url, 'http://agent:8500/v1/health/service/web?passing&tag=v%202');
    if (i % 2 === 0) req.reject(new Error('ECONNREFUSED'));
    else req.resolve(FakeHttp.answer(503, 'No cluster leader'));
    await settle();
    const at = clock.nextTimerAt();
    assert.ok(at !== undefined);
    delays.push(at - clock.now());
    clock.advance(at - clock.now());
  }
  assert.deepEqual(delays, [100, 200, 400, 500, 500]);
  assert.equal(source.stats.errors, 5);
  let req = await http.next();
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80)]), 4));
  req = await http.next();
  req.reject(new Error('reset'));
  await settle();
  assert.equal(clock.nextTimerAt()! - clock.now(), 100, 'backoff starts over after a success');
  assert.deepEqual(updates, [{ additions: ['10.0.0.9:80'], removals: [] }]);
  await source.stop();
  assert.equal(clock.pendingCount, 0);
  assert.equal(http.pending.length, 0);
});

test('no X-Consul-Index: answers are paced by the minimum backoff, not a hot loop', { timeout: 60_000 }, async () => {
  const http = new FakeHttp();
  const clock = new ManualClock();
  const { list } = recorder();
  const source = new HealthServiceSource({ agent: 'http://a', service: 'web', list, fetch: http.fetch, clock });
  source.start();
  const req = await http.next();
  req.resolve(FakeHttp.answer(200, '[]'));
  await settle();
  assert.equal(http.pending.length, 0);
  clock.advance(100);
  await http.next();
  await source.stop();
});

test('a throwing onChange is reported to onError, and the next blocking query goes out at once', { timeout: 60_000 }, async () => {
  const http = new FakeHttp();
  const clock = new ManualClock();
  const { list, updates } = recorder();
  const errors: unknown[] = [];
  const listenerFailure = new Error('listener failed');
  const source = new HealthServiceSource({
    agent: 'http://a',
    service: 'web',
    list,
    fetch: http.fetch,
    clock,
    onError: (e) => errors.push(e),
    onChange: () => {
      throw listenerFailure;
    },
  });
  source.start();
  let req = await http.next();
  req.resolve(FakeHttp.answer(200, JSON.stringify([entry('a', 80)]), 3));
  req = await http.next();
  assert.match(req.url, /index=3/, 'the next blocking query is sent');
  assert.deepEqual(errors, [listenerFailure]);
  assert.equal(source.stats.errors, 0, 'not counted as a failed request');
  assert.deepEqual(updates, [{ additions: ['10.0.0.9:80'], removals: [] }]);
  await source.stop();
  assert.ok(req.signal.aborted);
});
