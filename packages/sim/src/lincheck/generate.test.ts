import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable } from './check.js';
import { generateKvHistory } from './generate.js';
import { kvModel } from './kv.js';
import { kvHistoryToJson, parseKvHistory } from './kv-history.js';

test('the same seed gives the same history; another seed another', () => {
  const options = { ops: 500, clients: 5, keys: 10, unknownRate: 0.05 };
  const a = kvHistoryToJson(generateKvHistory({ seed: 1, ...options }).ops);
  assert.equal(kvHistoryToJson(generateKvHistory({ seed: 1, ...options }).ops), a);
  assert.notEqual(kvHistoryToJson(generateKvHistory({ seed: 2, ...options }).ops), a);
});

test('generated histories are valid files with the asked shape and real concurrency', () => {
  const { ops } = generateKvHistory({ seed: 7, ops: 2000, clients: 10, keys: 20, unknownRate: 0.02 });
  const parsed = parseKvHistory(kvHistoryToJson(ops));
  assert.equal(parsed.length, 2000);
  assert.equal(new Set(parsed.map((o) => o.client)).size, 10);
  assert.ok(new Set(parsed.map((o) => o.input.key)).size > 10);
  for (const kind of ['get', 'put', 'append', 'cas'] as const) assert.ok(parsed.some((o) => o.input.op === kind), kind);
  assert.ok(parsed.some((o) => o.input.op === 'cas' && o.output === true) && parsed.some((o) => o.input.op === 'cas' && o.output === false));
  const unknown = parsed.filter((o) => o.return === null).length;
  assert.ok(unknown > 10 && unknown < 100, `${unknown} unknown`);
  // Overlapping intervals on a key: the checker has orders to choose between.
  const overlapping = parsed.filter((a, i) => parsed.some((b, j) => i !== j && a.input.key === b.input.key && b.call < (a.return ?? Infinity) && a.call < (b.return ?? Infinity)));
  assert.ok(overlapping.length > 200, `${overlapping.length} overlapping`);
});

test('generated histories are linearizable; with a stale read injected they are not, and the witness shows it', () => {
  for (const seed of [1, 2, 3]) {
    const clean = generateKvHistory({ seed, ops: 2000, clients: 10, keys: 20, unknownRate: 0.02 });
    assert.equal(checkLinearizable(kvModel, clean.ops).verdict, 'ok', `seed ${seed}`);
    const broken = generateKvHistory({ seed, ops: 2000, clients: 10, keys: 20, unknownRate: 0.02, violation: 'stale-read' });
    const injected = broken.injected!;
    const result = checkLinearizable(kvModel, broken.ops);
    assert.equal(result.verdict, 'illegal', `seed ${seed}`);
    assert.equal(result.witness!.label, injected.key);
    assert.ok(result.witness!.ops.some((o) => o.id === injected.id), `seed ${seed}: the stale read is in the witness`);
  }
});
