import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionIdSource } from './connection-ids.js';

test('connection IDs: the given length, all distinct across blocks, and an ID keeps its bytes after its block is used up', () => {
  const source = new ConnectionIdSource(16, 4);
  const first = source.next();
  const kept = Buffer.from(first);
  const seen = new Set<string>([kept.toString('hex')]);
  for (let i = 1; i < 41; i++) {
    const id = source.next();
    assert.equal(id.length, 16);
    seen.add(id.toString('hex'));
  }
  assert.equal(seen.size, 41, 'no ID repeats, within a block or across the ten refills');
  assert.deepEqual(first, kept, 'a refill allocates a new block instead of overwriting the old');
});
