import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { checkLinearizable } from './check.js';
import { formatLinWitness } from './format.js';
import { kvModel, type KvOperation } from './kv.js';
import { parseKvHistory } from './kv-history.js';
import { bruteForceKvLinearizable } from './reference.js';

const dir = new URL('./fixtures/', import.meta.url);

function load(kind: string): [string, KvOperation[]][] {
  return readdirSync(new URL(`${kind}/`, dir))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => [name, parseKvHistory(readFileSync(new URL(`${kind}/${name}`, dir), 'utf8'))]);
}

const linearizable = load('linearizable');
const notLinearizable = load('not-linearizable');

test('the fixture sets are all there', () => {
  assert.ok(linearizable.length >= 10, `${linearizable.length} linearizable fixtures`);
  assert.ok(notLinearizable.length >= 8, `${notLinearizable.length} non-linearizable fixtures`);
});

for (const [name, ops] of linearizable) {
  test(`accepts linearizable/${name}`, () => {
    const result = checkLinearizable(kvModel, ops);
    assert.equal(result.verdict, 'ok');
    assert.equal(result.witness, undefined);
    if (ops.length <= 8) assert.equal(bruteForceKvLinearizable(ops), true, 'the brute-force reference agrees');
  });
}

for (const [name, ops] of notLinearizable) {
  test(`rejects not-linearizable/${name} with a witness that is itself a violation`, () => {
    const result = checkLinearizable(kvModel, ops);
    assert.equal(result.verdict, 'illegal');
    if (ops.length <= 8) assert.equal(bruteForceKvLinearizable(ops), false, 'the brute-force reference agrees');
    const witness = result.witness!;
    assert.ok(witness.minimal && witness.cutIsEarliest);
    assert.equal(bruteForceKvLinearizable(witness.ops), false, 'the witness alone is not linearizable');
    assert.ok(witness.culprits.length > 0 && witness.culprits.every((id) => witness.ops.some((op) => op.id === id)));
    assert.match(formatLinWitness(kvModel, witness), /cannot be linearized/);
  });
}

/** The expected minimal witnesses: ids of the operations (positions in the file). */
const expected: Record<string, { label: string; ids: number[]; culprit: number; running?: number[] }> = {
  'stale-read.json': { label: 'x', ids: [0, 1, 2], culprit: 2 },
  'lost-update-cas.json': { label: 'x', ids: [0, 1, 2], culprit: 2 },
  'lost-update-append.json': { label: 'log', ids: [0, 1, 2], culprit: 2 },
  'read-inversion.json': { label: 'x', ids: [0, 1, 2, 3], culprit: 3, running: [1] },
  'read-inversion-unknown-write.json': { label: 'x', ids: [0, 1, 2, 3], culprit: 3 },
  'read-after-write-absent.json': { label: 'x', ids: [0, 1], culprit: 1 },
  'cas-failed-but-matched.json': { label: 'x', ids: [0, 1], culprit: 1 },
  'value-never-written.json': { label: 'x', ids: [1], culprit: 1 },
  'one-bad-key-among-many.json': { label: 'b', ids: [1, 3, 7], culprit: 7 },
};

test('each non-linearizable fixture has the expected minimal witness', () => {
  for (const [name, ops] of notLinearizable) {
    const want = expected[name];
    assert.ok(want, `no expectation written for ${name}`);
    const witness = checkLinearizable(kvModel, ops).witness!;
    assert.equal(witness.label, want.label, name);
    assert.deepEqual(witness.ops.map((op) => op.id), want.ids, name);
    assert.deepEqual(witness.culprits, [want.culprit], name);
    assert.deepEqual(witness.runningAtCut, want.running ?? [], name);
  }
});

test('the witness text names the key, the operations and the culprit', () => {
  const [, ops] = notLinearizable.find(([name]) => name === 'read-inversion.json')!;
  const text = formatLinWitness(kvModel, checkLinearizable(kvModel, ops).witness!);
  const lines = text.split('\n');
  assert.equal(lines[0], 'key "x": 4 of its 4 operations cannot be linearized together:');
  assert.match(lines[1]!, /^ {2}op 0 +client 0 +\[0, 1\] +put\("x", "1"\)$/);
  assert.match(lines[2]!, /op 1 +client 1 +\[2, running\] +put\("x", "2"\) +\(still running then/);
  assert.match(lines[3]!, /get\("x"\) -> "2"$/);
  assert.match(lines[4]!, /get\("x"\) -> "1" +<- not linearizable once this returned$/);
});
