// The indexes reads report (what X-Consul-Index carries), and the watch that wakes blocking queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestStore } from '../testing/store-fixtures.js';
import { kvGet, kvKeys, kvList, sessionInfo } from './queries.js';

test('a key reports its modify index; a deleted key its deletion; a never-seen key the table index, never 0', () => {
  const t = new TestStore();
  assert.equal(kvGet('k').run(t.store).index, 1, 'empty store: 1, not 0');
  t.kv({ verb: 'set', key: 'k', value: 'v' });
  t.kv({ verb: 'set', key: 'other', value: 'v' });
  assert.equal(kvGet('k').run(t.store).index, 1);
  t.kv({ verb: 'delete', key: 'k' });
  t.kv({ verb: 'set', key: 'other', value: 'w' });
  assert.equal(kvGet('k').run(t.store).index, 3);
  assert.equal(kvGet('never').run(t.store).index, 4);
});

test('a prefix reports the newest entry or deletion under it; the empty prefix the table index', () => {
  const t = new TestStore();
  t.kv({ verb: 'set', key: 'a/1', value: '' });
  t.kv({ verb: 'set', key: 'a/2', value: '' });
  t.kv({ verb: 'set', key: 'b', value: '' });
  assert.equal(kvList('a/').run(t.store).index, 2);
  t.kv({ verb: 'delete', key: 'a/2' });
  assert.equal(kvList('a/').run(t.store).index, 4);
  assert.equal(kvList('').run(t.store).index, 4);
  t.kv({ verb: 'set', key: 'b', value: 'x' });
  assert.equal(kvList('a/').run(t.store).index, 4, 'a change elsewhere does not move the prefix');
});

test('keys with a separator stop just after it, each once', () => {
  const t = new TestStore();
  for (const k of ['web/a/1', 'web/a/2', 'web/b', 'web/c/x/y', 'webz']) t.kv({ verb: 'set', key: k, value: '' });
  assert.deepEqual(kvKeys('web/', '/').run(t.store).value, ['web/a/', 'web/b', 'web/c/']);
  assert.deepEqual(kvKeys('web', '/').run(t.store).value, ['web/', 'webz']);
  assert.deepEqual(kvKeys('', '').run(t.store).value, ['web/a/1', 'web/a/2', 'web/b', 'web/c/x/y', 'webz']);
});

test('a watch wakes once when one of its tables changes, not for others', async () => {
  const t = new TestStore();
  const w = t.store.watch.watch(kvGet('k').tables);
  let woke = false;
  void w.changed.then(() => (woke = true));
  t.node();
  await Promise.resolve();
  assert.equal(woke, false, 'a catalog write does not wake a KV read');
  t.kv({ verb: 'set', key: 'unrelated', value: '' });
  await w.changed;
  assert.equal(t.store.watch.waiting('kv'), 0, 'a woken waiter is gone');
  const s = t.store.watch.watch(sessionInfo('x').tables);
  s.cancel();
  assert.equal(t.store.watch.waiting('sessions'), 0);
});
