// The KV verbs' rules, one table per verb family, on a store that checks its invariants after every apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../errors.js';
import { TestStore, text } from '../testing/store-fixtures.js';

test('set creates then updates, keeping createIndex, and moves the table index', () => {
  const t = new TestStore();
  assert.equal(t.kv({ verb: 'set', key: 'a', value: '1', flags: '42' }), true);
  assert.equal(t.kv({ verb: 'set', key: 'a', value: '2' }), true);
  const e = t.store.kv.get('a')!;
  assert.deepEqual([text(e.value), e.flags, e.createIndex, e.modifyIndex, e.lockIndex], ['2', '0', 1, 2, 0]);
  assert.equal(t.store.indexes.get('kv'), 2);
});

test('cas: index 0 only creates; otherwise the modify index must match', () => {
  const cases: { name: string; index: number; before: boolean; want: boolean }[] = [
    { name: 'create with 0', index: 0, before: false, want: true },
    { name: '0 on an existing key', index: 0, before: true, want: false },
    { name: 'matching index', index: 1, before: true, want: true },
    { name: 'stale index', index: 7, before: true, want: false },
    { name: 'nonzero index on a missing key', index: 1, before: false, want: false },
  ];
  for (const c of cases) {
    const t = new TestStore();
    if (c.before) t.kv({ verb: 'set', key: 'k', value: 'old' });
    assert.equal(t.kv({ verb: 'cas', key: 'k', value: 'new', index: c.index }), c.want, c.name);
    assert.equal(text(t.store.kv.get('k')?.value), c.want ? 'new' : c.before ? 'old' : undefined, c.name);
  }
});

test('a failed cas leaves the table index alone', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'k', value: 'v' });
  t.kv({ verb: 'cas', key: 'k', value: 'x', index: 99 });
  assert.equal(t.store.indexes.get('kv'), 1);
});

test('lock: LockIndex counts acquisitions by a new session; a held lock refuses others; only the holder releases', () => {
  const t = new TestStore();
  t.node();
  t.session('s1');
  t.session('s2');
  assert.equal(t.kv({ verb: 'lock', key: 'l', value: 'a', session: 's1' }), true);
  assert.equal(t.store.kv.get('l')!.lockIndex, 1);
  assert.equal(t.kv({ verb: 'lock', key: 'l', value: 'b', session: 's1' }), true, 're-acquire by the holder');
  assert.deepEqual([t.store.kv.get('l')!.lockIndex, text(t.store.kv.get('l')!.value)], [1, 'b']);
  assert.equal(t.kv({ verb: 'lock', key: 'l', value: 'c', session: 's2' }), false, 'held by s1');
  assert.equal(t.kv({ verb: 'unlock', key: 'l', value: 'd', session: 's2' }), false, 'release by a non-holder');
  assert.equal(t.kv({ verb: 'unlock', key: 'l', value: 'e', session: 's1' }), true);
  assert.equal(t.store.kv.get('l')!.session, undefined);
  assert.equal(t.kv({ verb: 'lock', key: 'l', value: 'f', session: 's2' }), true);
  assert.deepEqual([t.store.kv.get('l')!.lockIndex, t.store.kv.get('l')!.session], [2, 's2']);
});

test('a plain set keeps the lock holder', () => {
  const t = new TestStore();
  t.node();
  t.session('s1');
  t.kv({ verb: 'lock', key: 'l', value: 'a', session: 's1' });
  t.kv({ verb: 'set', key: 'l', value: 'b' });
  assert.equal(t.store.kv.get('l')!.session, 's1');
});

test('lock with a missing or unknown session is an error, not false', () => {
  const t = new TestStore();
  const missing = t.kv({ verb: 'lock', key: 'l', value: 'a' });
  const unknown = t.kv({ verb: 'lock', key: 'l', value: 'a', session: 'nope' });
  assert.ok(missing instanceof StateError && missing.code === 'ERR_INVALID_SESSION');
  assert.ok(unknown instanceof StateError && unknown.message === 'invalid session "nope"');
  assert.equal(t.store.kv.get('l'), undefined);
});

test('delete leaves a tombstone at its index; delete-tree deletes the prefix; deleting nothing moves nothing', () => {
  const t = new TestStore();
  for (const k of ['a/1', 'a/2', 'b']) t.kv({ verb: 'set', key: k, value: k });
  assert.equal(t.kv({ verb: 'delete', key: 'b' }), true);
  assert.equal(t.store.kv.tombstone('b'), 4);
  assert.equal(t.kv({ verb: 'delete-tree', key: 'a/' }), true);
  assert.deepEqual(t.store.kv.list('').map((e) => e.key), []);
  assert.equal(t.store.kv.maxTombstone('a/'), 5);
  assert.equal(t.kv({ verb: 'delete', key: 'missing' }), true);
  assert.equal(t.store.indexes.get('kv'), 5);
  t.kv({ verb: 'set', key: 'b', value: 'again' });
  assert.equal(t.store.kv.tombstone('b'), 0, 'the tombstone goes when the key comes back');
});

test('delete-cas: a missing key counts as deleted; a present one must match', () => {
  const t = new TestStore();
  assert.equal(t.kv({ verb: 'delete-cas', key: 'k', index: 5 }), true);
  t.kv({ verb: 'set', key: 'k', value: 'v' });
  assert.equal(t.kv({ verb: 'delete-cas', key: 'k', index: 1 }), false);
  assert.equal(t.kv({ verb: 'delete-cas', key: 'k', index: 2 }), true);
  assert.equal(t.store.kv.get('k'), undefined);
});
