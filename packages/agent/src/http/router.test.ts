// The router without sockets: what a client agent answers itself and what it
// forwards, the internal endpoints on servers, and no handler failure escapes
// as anything but a response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRandom, ManualClock, silentLogger, utf8 } from '@shoal/kit';
import { invariantViolations } from '../state/invariants.js';
import { StateError } from '../errors.js';
import type { Forwarder } from '../forwarder.js';
import { AntiEntropy } from '../local/anti-entropy.js';
import { LocalState } from '../local/local-state.js';
import { singleMemberView } from '../member-view.js';
import { StateStore } from '../state/store.js';
import { nodeSpec } from '../testing/store-fixtures.js';
import { settle, StoreReplicator } from '../testing/store-replicator.js';
import { jsonResponse, type ApiRequest } from './api.js';
import type { ApiContext } from './context.js';
import { forwardsToServer, route, type Route } from './router.js';
import { ROUTES } from './routes.js';

function context(store: StateStore | undefined, forwarder?: Forwarder): ApiContext {
  const clock = new ManualClock();
  const replicator = new StoreReplicator(store ?? new StateStore());
  const local = new LocalState(clock);
  const self = { name: 'n', address: '127.0.0.1', port: 8301, status: 'alive' as const, tags: { role: 'server' as const, datacenter: 'dc1', nodeId: 'id', httpAddress: '127.0.0.1:8500' } };
  return {
    ...(store ? { store } : {}),
    ...(forwarder ? { forwarder } : {}),
    replicator,
    local,
    antiEntropy: new AntiEntropy({ local, replicator, node: nodeSpec('n'), clock }),
    members: singleMemberView(self),
    nodeName: 'n',
    nodeId: 'id',
    datacenter: 'dc1',
    server: store !== undefined,
    clock,
    random: createRandom(1),
    logger: silentLogger,
  };
}

const request = (method: string, path: string, query = ''): ApiRequest => ({ method, path, query: new URLSearchParams(query), headers: {}, body: new Uint8Array(0), signal: new AbortController().signal });

test('a client agent forwards what needs a server, and answers its own endpoints and session creation itself', () => {
  const forwarder: Forwarder = { proxy: async () => {} };
  const client = context(undefined, forwarder);
  const forwarded = ['/v1/kv/x', '/v1/txn', '/v1/catalog/nodes', '/v1/health/service/web', '/v1/session/renew/abc', '/v1/session/destroy/abc', '/v1/status/leader', '/v1/nope'];
  for (const path of forwarded) assert.equal(forwardsToServer(ROUTES, client, path), true, path);
  const answered = ['/v1/agent/services', '/v1/agent/members', '/v1/agent/check/pass/service:web', '/v1/session/create', '/v1/internal/shoal/apply'];
  for (const path of answered) assert.equal(forwardsToServer(ROUTES, client, path), false, path);
  const server = context(new StateStore());
  assert.equal(forwardsToServer(ROUTES, server, '/v1/kv/x'), false, 'a server answers everything itself');
});

test('the internal endpoints go to the server\'s internal handler; an agent without one has none', async () => {
  const seen: string[] = [];
  const server = { ...context(new StateStore()), internal: async (req: { path: string }) => (seen.push(req.path), jsonResponse('{"index":1}')) };
  assert.equal((await route(ROUTES, server, request('POST', '/v1/internal/shoal/read-index'))).body, '{"index":1}');
  assert.deepEqual(seen, ['/v1/internal/shoal/read-index']);
  assert.equal((await route(ROUTES, context(undefined), request('POST', '/v1/internal/shoal/apply'))).status, 404);
});

test('a server without a leader answers reads with 500 "No cluster leader"', async () => {
  const ctx = { ...context(new StateStore()), replicator: { ...new StoreReplicator(new StateStore()), barrier: () => Promise.reject(new Error('no leader')), leadership: () => ({ knownLeader: false, lastContactMs: 0, raftPeers: [] }), write: () => Promise.reject(new Error('x')), renewSession: () => Promise.reject(new Error('x')) } };
  const r = await route(ROUTES, ctx, request('GET', '/v1/kv/x'));
  assert.deepEqual([r.status, String(r.body).trim()], [500, 'No cluster leader']);
});

test('handler failures become responses: HttpError its status, StateError 500 with its message, anything else 500', async () => {
  const ctx = context(new StateStore());
  const routes: Route[] = [
    { path: '/state', methods: { GET: () => { throw new StateError('ERR_MISSING_NODE', 'Missing node registration'); } } },
    { path: '/bug', methods: { GET: () => { throw new TypeError('oops'); } } },
  ];
  const state = await route(routes, ctx, request('GET', '/state'));
  assert.deepEqual([state.status, String(state.body).trim()], [500, 'Missing node registration']);
  const bug = await route(routes, ctx, request('GET', '/bug'));
  assert.deepEqual([bug.status, String(bug.body).trim()], [500, 'Internal error']);
});

test('a blocking read on a manual clock returns when ?wait runs out, and at once when the client goes away', async () => {
  const store = new StateStore();
  const ctx = context(store);
  const clock = ctx.clock as ManualClock;
  const pending = route(ROUTES, ctx, request('GET', '/v1/kv/k', 'index=5&wait=1s'));
  await settle();
  assert.equal(store.watch.waiting('kv'), 1, 'blocked');
  clock.advance(1000 + 1000 / 16);
  const r = await pending;
  assert.deepEqual([r.status, r.headers['x-consul-index']], [404, '1']);
  const client = new AbortController();
  const blocked = route(ROUTES, ctx, { ...request('GET', '/v1/kv/k', 'index=5'), signal: client.signal });
  client.abort();
  assert.equal((await blocked).status, 404);
  assert.equal(store.watch.waiting('kv'), 0, 'no waiter left behind');
});

test('whatever a client sends, the router answers with a status, never a throw', async () => {
  const store = new StateStore();
  const ctx = context(store);
  const paths = ROUTES.map((r) => r.path);
  const methods = ['GET', 'PUT', 'DELETE', 'POST', 'PATCH'];
  // No ?index: a blocking read would wait for a manual clock nobody advances.
  const params = ['recurse', 'keys', 'separator=/', 'raw', 'cas=0', 'cas=x', 'flags=1', 'flags=-1', 'acquire=s', 'release=s', 'stale', 'consistent', 'passing', 'tag=a', 'note=n'];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...methods),
      fc.constantFrom(...paths),
      fc.string({ maxLength: 12 }),
      fc.subarray(params, { maxLength: 3 }),
      fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.jsonValue().map((v) => utf8(JSON.stringify(v) ?? 'null'))),
      async (method, path, rest, query, body) => {
        const r = await route(ROUTES, ctx, { ...request(method, path + rest, query.join('&')), body });
        assert.ok([200, 301, 400, 404, 405, 409, 413, 500].includes(r.status), `${method} ${path}${rest}?${query.join('&')}: ${r.status}`);
        if (r.status === 500) assert.notEqual(String(r.body).trim(), 'Internal error', `${method} ${path}${rest}: an unexpected failure`);
      },
    ),
    { numRuns: 500 },
  );
  assert.deepEqual(invariantViolations(store), []);
});

test('the dashboard: / and /ui redirect to /ui/, its three files with their types, an unknown one 404, answered by client agents too; /v1/internal/ui/*', async () => {
  const server = context(new StateStore());
  for (const path of ['/', '/ui']) {
    const r = await route(ROUTES, server, request('GET', path));
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/ui/');
  }
  const types: Record<string, RegExp> = { '/ui/': /^text\/html/, '/ui/index.html': /^text\/html/, '/ui/dashboard.js': /^text\/javascript/, '/ui/dashboard.css': /^text\/css/ };
  for (const [path, type] of Object.entries(types)) {
    const r = await route(ROUTES, server, request('GET', path));
    assert.equal(r.status, 200, path);
    assert.match(r.headers['content-type']!, type);
    assert.ok(r.body.length > 100, path);
  }
  assert.equal((await route(ROUTES, server, request('GET', '/ui/../package.json'))).status, 404);
  assert.equal((await route(ROUTES, server, request('GET', '/ui/nope.js'))).status, 404);
  // Names an object would inherit (the property test found /ui/__proto__ answered 500).
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.equal((await route(ROUTES, server, request('GET', `/ui/${name}`))).status, 404, name);
  const forwarder = {} as Forwarder;
  for (const path of ['/', '/ui/', '/ui/dashboard.js', '/v1/internal/ui/agent']) assert.equal(forwardsToServer(ROUTES, context(undefined, forwarder), path), false, path);
  assert.equal(forwardsToServer(ROUTES, context(undefined, forwarder), '/v1/internal/ui/kv'), true);

  const agent = await route(ROUTES, server, request('GET', '/v1/internal/ui/agent'));
  assert.deepEqual(JSON.parse(String(agent.body)), { Node: 'n', Datacenter: 'dc1', Server: true, HealthScore: null, Raft: null });
  assert.equal(forwardsToServer(ROUTES, context(undefined, forwarder), '/v1/internal/ui/leader'), true, 'a client agent asks a server for the leader\'s view');
  assert.equal((await route(ROUTES, server, request('GET', '/v1/internal/ui/leader'))).status, 404, 'a server without raft has no leader view');
  const view = { state: 'Leader', term: 3, commitIndex: 9, appliedIndex: 9, lastIndex: 9, leader: 'a:1', servers: [{ id: 'a', address: 'a:1', voter: true, matchIndex: 9 }, { id: 'b', address: 'b:1', voter: false }] };
  for (const [leaderView, expected] of [
    [undefined, null],
    [view, { State: 'Leader', Term: 3, CommitIndex: 9, AppliedIndex: 9, LastIndex: 9, Leader: 'a:1', Servers: [{ ID: 'a', Address: 'a:1', Voter: true, MatchIndex: 9 }, { ID: 'b', Address: 'b:1', Voter: false, MatchIndex: null }] }],
  ] as const) {
    const withLeader: ApiContext = { ...server, ui: { healthScore: () => 0, leaderRaft: () => Promise.resolve(leaderView) } };
    const r = await route(ROUTES, withLeader, request('GET', '/v1/internal/ui/leader'));
    assert.equal(r.status, 200, 'null with no leader, not an error status a browser would log');
    assert.deepEqual(JSON.parse(String(r.body)), expected);
  }
  const empty = await route(ROUTES, server, request('GET', '/v1/internal/ui/kv'));
  assert.equal(empty.status, 200);
  assert.equal(empty.body, '[]');
  assert.ok(empty.headers['x-consul-index'] !== undefined);
});
