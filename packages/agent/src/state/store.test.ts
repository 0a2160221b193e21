// Transactions, sessions and the catalog: the rules that span tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '@shoal/kit';
import { StateError } from '../errors.js';
import { check, nodeSpec, TestStore, text } from '../testing/store-fixtures.js';
import type { TxnResult } from './store.js';

test('txn: all ops apply, writes show their entry without the value, gets with it', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'x', value: 'old' });
  const r = t.apply({ type: 'txn', ops: [
    { verb: 'set', key: 'a', value: utf8('1') },
    { verb: 'cas', key: 'x', value: utf8('new'), index: 1 },
    { verb: 'get', key: 'x' },
    { verb: 'delete', key: 'nothing' },
  ] }) as TxnResult;
  assert.ok('results' in r);
  assert.deepEqual(r.results.map((e) => [e.key, text(e.value), e.modifyIndex]), [['a', '', 2], ['x', '', 2], ['x', 'new', 2]]);
  assert.equal(t.store.indexes.get('kv'), 2);
});

test('txn: one failing op rolls every op back and reports each failure with its index', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'x', value: 'keep' });
  const r = t.apply({ type: 'txn', ops: [
    { verb: 'set', key: 'a', value: utf8('1') },
    { verb: 'delete', key: 'x' },
    { verb: 'cas', key: 'x', value: utf8('no'), index: 99 },
    { verb: 'check-not-exists', key: 'a' },
    { verb: 'lock', key: 'l', session: 'ghost' },
  ] }) as TxnResult;
  assert.deepEqual('errors' in r && r.errors, [
    { opIndex: 2, what: 'failed to set key "x", index is stale' },
    { opIndex: 3, what: 'key "a" exists' },
    { opIndex: 4, what: 'invalid session "ghost"' },
  ]);
  assert.equal(t.store.kv.get('a'), undefined);
  assert.equal(text(t.store.kv.get('x')?.value), 'keep');
  assert.equal(t.store.kv.tombstone('x'), 0, 'the delete is undone with its tombstone');
  assert.equal(t.store.indexes.get('kv'), 1);
});

test('txn check verbs: check-index, check-session, get of a missing key', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'k', value: 'v' });
  const fails = (op: Parameters<TestStore['apply']>[0]): string[] => {
    const r = t.apply(op) as TxnResult;
    return 'errors' in r ? r.errors.map((e) => e.what) : [];
  };
  assert.deepEqual(fails({ type: 'txn', ops: [{ verb: 'check-index', key: 'k', index: 1 }] }), []);
  assert.deepEqual(fails({ type: 'txn', ops: [{ verb: 'check-index', key: 'k', index: 3 }] }), ['current modify index 1 != 3']);
  assert.deepEqual(fails({ type: 'txn', ops: [{ verb: 'check-session', key: 'k', session: 's' }] }), ['current session "" != "s"']);
  assert.deepEqual(fails({ type: 'txn', ops: [{ verb: 'get', key: 'nope' }] }), ['key "nope" doesn\'t exist']);
});

test('session create needs a registered node and its checks, none critical', () => {
  const t = new TestStore();
  const codeOf = (r: unknown): string => (r instanceof StateError ? r.code : String(r));
  assert.equal(codeOf(t.session('s1')), 'ERR_MISSING_NODE');
  t.node('n1', 'critical');
  assert.equal(codeOf(t.session('s1')), 'ERR_CHECK_CRITICAL');
  assert.equal(codeOf(t.session('s1', { nodeChecks: ['other'] })), 'ERR_MISSING_CHECK');
  assert.equal(t.session('s1', { nodeChecks: [] }), 's1', 'no checks: only the node is needed');
  assert.equal(codeOf(t.session('s1', { nodeChecks: [] })), 'ERR_SESSION_EXISTS');
});

test('destroying a session releases its locks (behavior release) or deletes its keys (behavior delete)', () => {
  const t = new TestStore();
  t.node();
  t.session('rel');
  t.session('del', { behavior: 'delete' });
  t.kv({ verb: 'lock', key: 'r', value: 'x', session: 'rel' });
  t.kv({ verb: 'lock', key: 'd', value: 'y', session: 'del' });
  const ended: [string, readonly string[]][] = [];
  t.store.listen({ sessionEnded: (s, keys) => ended.push([s.id, keys]) });
  t.apply({ type: 'session-destroy', id: 'rel' });
  t.apply({ type: 'session-destroy', id: 'del' });
  const r = t.store.kv.get('r')!;
  assert.deepEqual([r.session, r.lockIndex, text(r.value), r.modifyIndex], [undefined, 1, 'x', t.index - 1]);
  assert.equal(t.store.kv.get('d'), undefined);
  assert.equal(t.store.kv.tombstone('d'), t.index);
  assert.deepEqual(ended, [['rel', ['r']], ['del', ['d']]]);
  assert.equal(t.apply({ type: 'session-destroy', id: 'rel' }), true, 'destroying twice is fine');
});

test('a check going critical ends the sessions that depend on it, in the same apply', () => {
  const t = new TestStore();
  t.node('n1');
  t.node('n2');
  t.session('on-n1');
  t.session('on-n2', { node: 'n2' });
  t.session('no-checks', { nodeChecks: [] });
  t.kv({ verb: 'lock', key: 'leader', value: 'me', session: 'on-n1' });
  t.node('n1', 'critical');
  assert.deepEqual([...t.store.sessions.keys()].sort(), ['no-checks', 'on-n2']);
  assert.equal(t.store.kv.get('leader')!.session, undefined);
  assert.equal(t.store.indexes.get('sessions'), t.index);
  assert.equal(t.store.indexes.get('kv'), t.index);
});

test('deregistering a check, a service or a node ends the sessions that depend on them', () => {
  const t = new TestStore();
  t.node('n1');
  t.apply({ type: 'register', node: nodeSpec('n1'), service: { id: 'web', service: 'web', tags: [], address: '', port: 80, meta: {}, enableTagOverride: false }, checks: [check('service:web', 'passing', 'web')] });
  t.session('a', { nodeChecks: ['service:web'] });
  t.session('b', { nodeChecks: [] });
  t.apply({ type: 'deregister', node: 'n1', serviceId: 'web' });
  assert.deepEqual([...t.store.sessions.keys()], ['b']);
  assert.equal(t.store.catalog.checksOf('n1').has('service:web'), false);
  t.apply({ type: 'deregister', node: 'n1' });
  assert.deepEqual([...t.store.sessions.keys()], []);
  assert.equal(t.store.catalog.nodes.size, 0);
});

test('register: re-registering the same thing changes no index; a check names its service', () => {
  const t = new TestStore();
  const service = { id: 'web1', service: 'web', tags: ['v1'], address: '', port: 80, meta: {}, enableTagOverride: false };
  t.apply({ type: 'register', node: nodeSpec('n1'), service, checks: [check('service:web1', 'passing', 'web1')] });
  const before = t.store.indexes.entries();
  t.apply({ type: 'register', node: nodeSpec('n1'), service, checks: [check('service:web1', 'passing', 'web1')] });
  assert.deepEqual(t.store.indexes.entries(), before);
  const c = t.store.catalog.checksOf('n1').get('service:web1')!;
  assert.deepEqual([c.serviceName, c.serviceTags], ['web', ['v1']]);
  t.apply({ type: 'register', node: nodeSpec('n1'), service: { ...service, tags: ['v2'] } });
  assert.deepEqual(t.store.catalog.checksOf('n1').get('service:web1')!.serviceTags, ['v2'], 'a service change reaches its checks');
  assert.equal(t.store.indexes.get('checks'), t.index);
});

test('register: a node without meta or tagged addresses keeps the ones it has, so the leader and the agent do not undo each other', () => {
  const t = new TestStore();
  t.apply({ type: 'register', node: { ...nodeSpec('n1'), meta: { rack: 'r1' }, taggedAddresses: { lan: '10.0.0.1' } } });
  const before = t.store.indexes.get('nodes');
  t.apply({ type: 'register', node: nodeSpec('n1') });
  const node = t.store.catalog.nodes.get('n1')!;
  assert.deepEqual([node.meta, node.taggedAddresses], [{ rack: 'r1' }, { lan: '10.0.0.1' }]);
  assert.equal(t.store.indexes.get('nodes'), before, 'nothing changed');
  t.apply({ type: 'register', node: { ...nodeSpec('n1'), meta: {} } });
  assert.deepEqual(t.store.catalog.nodes.get('n1')!.meta, {}, 'given meta replaces it');
});

test('register refuses a check for a service the node does not have, changing nothing', () => {
  const t = new TestStore();
  const r = t.apply({ type: 'register', node: nodeSpec('n1'), checks: [check('service:x', 'passing', 'x')] });
  assert.ok(r instanceof StateError && r.code === 'ERR_MISSING_SERVICE');
  assert.equal(t.store.catalog.nodes.size, 0);
});

test('apply refuses an index that does not move forward', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'a', value: '1' });
  assert.throws(() => t.store.apply(1, { type: 'kv', op: { verb: 'set', key: 'b' } }), { code: 'ERR_STATE_INVARIANT' });
});
