import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, checkLinearizableAsync } from './check.js';
import { formatLinWitness } from './format.js';
import { generateKvHistory } from './generate.js';
import { kvModel, type KvOperation } from './kv.js';
import type { LinModel, LinOperation } from './model.js';

type RegisterInput = { write: number } | { read: true };

/** A register whose writes may be lost: a nondeterministic model, checked whole (no partition). */
const lossyRegister: LinModel<number | null, RegisterInput, number | null> = {
  name: 'lossy-register',
  init: () => null,
  step: (state, input, output) => ('write' in input ? [input.write, state] : output === undefined || output === state ? [state] : []),
  equal: (a, b) => a === b,
  hash: (state) => (state ?? -1) | 0,
};
const register: typeof lossyRegister = { ...lossyRegister, name: 'register', step: (state, input, output) => lossyRegister.step(state, input, output).slice(0, 1) };

function op<I, O>(id: number, input: I, output: O | undefined, call: number, ret: number | null): LinOperation<I, O> {
  return { id, client: id, input, output, call, return: ret };
}

test('a nondeterministic model is searched through every successor state', () => {
  const history = [op(0, { write: 1 }, null, 0, 1), op(1, { read: true } as const, null, 2, 3), op(2, { write: 2 }, null, 4, 5), op(3, { read: true } as const, 2, 6, 7)];
  assert.equal(checkLinearizable(lossyRegister, history).verdict, 'ok');
  const strict = checkLinearizable(register, history);
  assert.equal(strict.verdict, 'illegal');
  assert.deepEqual(strict.partitions, [{ label: '', size: 4, verdict: 'illegal', steps: strict.partitions[0]!.steps }]);
  assert.deepEqual(strict.witness!.ops.map((o) => o.id), [0, 1]);
  assert.match(formatLinWitness(register, strict.witness!), /^the history: 2 of its 4 operations cannot be linearized together:\n {2}op 0 .*\{"write":1\} -> null/);
});

test('each key is checked alone and reported in order of first appearance', () => {
  const history = generateKvHistory({ seed: 5, ops: 400, clients: 4, keys: 6 }).ops;
  const result = checkLinearizable(kvModel, history);
  assert.equal(result.verdict, 'ok');
  const firstSeen = [...new Set(history.map((o) => o.input.key))];
  assert.deepEqual(result.partitions.map((p) => p.label), firstSeen);
  assert.equal(result.partitions.reduce((sum, p) => sum + p.size, 0), history.filter((o) => !(o.input.op === 'get' && o.return === null)).length);
  assert.ok(result.partitions.every((p) => p.verdict === 'ok' && p.steps > 0));
  assert.equal(result.steps, result.partitions.reduce((sum, p) => sum + p.steps, 0));
});

test('a step budget that runs out gives unknown, not a verdict', () => {
  const history = generateKvHistory({ seed: 9, ops: 3000, clients: 10, keys: 3 }).ops;
  const result = checkLinearizable(kvModel, history, { maxSteps: 500 });
  assert.equal(result.verdict, 'unknown');
  assert.equal(result.stopped, 'steps');
  assert.ok(result.partitions.some((p) => p.verdict === 'unknown'));
  assert.ok(result.partitions.every((p) => (p.verdict === 'unknown') === (p.stopped === 'steps')));
  assert.ok(result.steps <= 500);
  assert.equal(checkLinearizable(kvModel, history).verdict, 'ok', 'with no budget it decides');
});

test('a deadline that passes gives unknown; a violation found first is still reported', () => {
  let now = 0;
  const clock = () => (now += 1000);
  const history = generateKvHistory({ seed: 9, ops: 3000, clients: 10, keys: 3 }).ops;
  const late = checkLinearizable(kvModel, history, { timeoutMs: 10, now: clock });
  assert.equal(late.verdict, 'unknown');
  assert.equal(late.stopped, 'time');

  // One bad key among slow ones: small partitions go first, so the violation is found in time.
  const bad: KvOperation[] = [
    { id: history.length, client: 99, input: { op: 'put', key: 'tiny', value: 'v' }, output: null, call: 0, return: 1 },
    { id: history.length + 1, client: 99, input: { op: 'get', key: 'tiny' }, output: null, call: 2, return: 3 },
  ];
  now = 0;
  const found = checkLinearizable(kvModel, [...history, ...bad], { maxSteps: 100, witnessMaxSteps: 1000 });
  assert.equal(found.verdict, 'illegal');
  assert.equal(found.stopped, 'steps', 'the slow keys stay undecided');
  assert.equal(found.witness!.label, 'tiny');
});

test('the witness can be skipped, or cut short by its own budget and say so', () => {
  const { ops } = generateKvHistory({ seed: 3, ops: 600, clients: 5, keys: 2, violation: 'stale-read' });
  assert.equal(checkLinearizable(kvModel, ops, { witness: false }).witness, undefined);
  const full = checkLinearizable(kvModel, ops);
  assert.ok(full.witness!.minimal && full.witness!.cutIsEarliest && full.witness!.ops.length <= 6);
  const short = checkLinearizable(kvModel, ops, { witnessMaxSteps: 1 });
  assert.equal(short.verdict, 'illegal');
  assert.equal(short.witness!.minimal, false);
  assert.equal(short.witness!.cutIsEarliest, false);
  assert.ok(short.witness!.ops.length > full.witness!.ops.length);
  assert.match(formatLinWitness(kvModel, short.witness!), /may not be minimal/);
});

test('the asynchronous check gives the same answer, and an aborted one gives unknown', async () => {
  const { ops } = generateKvHistory({ seed: 4, ops: 1500, clients: 6, keys: 4, violation: 'stale-read' });
  const sync = checkLinearizable(kvModel, ops);
  const async = await checkLinearizableAsync(kvModel, ops);
  assert.deepEqual(async, sync);

  const controller = new AbortController();
  controller.abort();
  const aborted = await checkLinearizableAsync(kvModel, ops, { signal: controller.signal });
  assert.equal(aborted.verdict, 'unknown');
  assert.equal(aborted.stopped, 'aborted');
});

/**
 * The history of issue 17: `pairs` puts of distinct values, each read back by
 * a get, and one get of a value nothing wrote, all overlapping on one key. It
 * is not linearizable, but only an exhaustive search shows it, and every
 * subset of the pairs is a configuration of its own (2^pairs of them).
 */
function overlappingOnOneKey(pairs: number, key = 'x', firstId = 0): KvOperation[] {
  const ops: KvOperation[] = [];
  const add = (input: KvOperation['input'], output: KvOperation['output']): void => {
    const id = firstId + ops.length;
    ops.push({ id, client: id, input, output, call: 0, return: 1000 });
  };
  for (let i = 0; i < pairs; i++) {
    add({ op: 'put', key, value: `v${i}` }, null);
    add({ op: 'get', key }, `v${i}`);
  }
  add({ op: 'get', key }, 'never written');
  return ops;
}

test('121 overlapping operations on one key: undecided by the memory budget, in bounded time', () => {
  const history = overlappingOnOneKey(60);
  assert.equal(history.length, 121);
  const maxMemoryBytes = 8 * 2 ** 20;
  const started = performance.now();
  const result = checkLinearizable(kvModel, history, { maxMemoryBytes });
  const ms = performance.now() - started;
  assert.equal(result.verdict, 'unknown');
  assert.equal(result.stopped, 'memory');
  assert.deepEqual(result.partitions.map((p) => [p.label, p.verdict, p.stopped]), [['x', 'unknown', 'memory']]);
  // At about 730 bytes an entry, 8 MiB is some 11,000 configurations: far under a second of search.
  assert.ok(ms < 10_000, `${ms} ms`);
  assert.ok(result.steps > 0 && result.steps < 2_000_000, `${result.steps} steps`);
});

test('121 overlapping operations on one key: undecided by the time budget when that runs out first', async () => {
  const result = await checkLinearizableAsync(kvModel, overlappingOnOneKey(60), { timeoutMs: 200, maxMemoryBytes: Number.POSITIVE_INFINITY });
  assert.equal(result.verdict, 'unknown');
  assert.equal(result.stopped, 'time');
  assert.equal(result.partitions[0]!.stopped, 'time');
});

test('a partition over the memory budget leaves the others to be checked', () => {
  // Key "y" is larger, so it is searched after "x" has given up.
  const y = generateKvHistory({ seed: 5, ops: 400, clients: 2, keys: 1 }).ops.map((op, i) => ({ ...op, id: 121 + i, client: 200 + op.client, input: { ...op.input, key: 'y' } }));
  const result = checkLinearizable(kvModel, [...overlappingOnOneKey(60), ...y], { maxMemoryBytes: 4 * 2 ** 20 });
  assert.deepEqual(result.partitions.map((p) => [p.label, p.verdict, p.stopped]), [['x', 'unknown', 'memory'], ['y', 'ok', undefined]]);
  assert.equal(result.stopped, 'memory');
  // With room to spare the same check decides "x" too: a small violating history is well within 4 MiB.
  assert.equal(checkLinearizable(kvModel, overlappingOnOneKey(4), { maxMemoryBytes: 4 * 2 ** 20 }).verdict, 'illegal');
});

test('operations that never returned do not blow up the search', () => {
  // One hot key, many writes timing out: most never read, some read later.
  const { ops } = generateKvHistory({ seed: 11, ops: 3000, clients: 8, keys: 1, unknownRate: 0.1 });
  const unknown = ops.filter((o) => o.return === null).length;
  assert.ok(unknown > 200, `${unknown} unknown operations`);
  const result = checkLinearizable(kvModel, ops, { maxSteps: 5_000_000 });
  assert.equal(result.verdict, 'ok', `steps ${result.steps}`);
});
