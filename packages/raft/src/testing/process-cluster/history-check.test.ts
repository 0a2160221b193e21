// The crash run's verdicts catch what they are for: a lost acknowledged
// write, and a read no order of the operations explains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryOp } from '../../sim/sim-clients.js';
import { checkHistory, missingAcknowledgedWrites } from './history-check.js';

const put = (client: number, key: string, value: string, call: number, ret: number | null): HistoryOp => ({ client, op: 'put', key, value, output: null, call, return: ret });
const append = (client: number, key: string, value: string, call: number, ret: number | null): HistoryOp => ({ client, op: 'append', key, value, output: null, call, return: ret });
const get = (client: number, key: string, output: string | null, call: number, ret: number): HistoryOp => ({ client, op: 'get', key, output, call, return: ret });

test('an acknowledged put or append absent from the final value is missing', () => {
  const history = [put(0, 'k', 'v1', 0, 1), append(1, 'k', 'v2;', 2, 3), append(0, 'k', 'v3;', 4, 5)];
  assert.deepEqual(missingAcknowledgedWrites(history, new Map([['k', 'v1v2;v3;']])), []);
  assert.deepEqual(
    missingAcknowledgedWrites(history, new Map([['k', 'v1v3;']])).map((op) => op.value),
    ['v2;'],
  );
  assert.deepEqual(
    missingAcknowledgedWrites(history, new Map([['k', null]])).map((op) => op.value),
    ['v1', 'v2;', 'v3;'],
  );
});

test('a write replaced by a later or concurrent put, or an unknown one, is not missing', () => {
  const later = [put(0, 'k', 'v1', 0, 1), put(1, 'k', 'v2', 2, 3)];
  assert.deepEqual(missingAcknowledgedWrites(later, new Map([['k', 'v2']])), []);
  const unknownOverwrite = [append(0, 'k', 'v1;', 0, 1), put(1, 'k', 'v2', 0.5, null)];
  assert.deepEqual(missingAcknowledgedWrites(unknownOverwrite, new Map([['k', 'v2']])), []);
  // A put that returned before the lost write was called cannot have replaced it.
  const earlier = [put(1, 'k', 'v2', 0, 1), append(0, 'k', 'v1;', 2, 3)];
  assert.deepEqual(missingAcknowledgedWrites(earlier, new Map([['k', 'v2']])).map((op) => op.value), ['v1;']);
});

test('the linearizability check refuses a stale read and accepts an unknown write seen later', async () => {
  const stale = [put(0, 'k', 'v1', 0, 1), put(0, 'k', 'v2', 2, 3), get(1, 'k', 'v1', 4, 5)];
  assert.equal(await checkHistory(stale, 10_000), 'illegal');
  const unknownSeen = [put(0, 'k', 'v1', 0, null), get(1, 'k', 'v1', 4, 5)];
  assert.equal(await checkHistory(unknownSeen, 10_000), 'ok');
});
