import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkLinearizable } from './check.js';
import { kvModel, type KvInput, type KvOperation, type KvOutput } from './kv.js';
import { bruteForceKvLinearizable } from './reference.js';

// A small alphabet, so that values repeat and appends collide: the hard cases.
const VALUES = ['a', 'b', 'ab'];
const READS = [null, 'a', 'b', 'ab', 'ba', 'aab', 'abb'];

interface Plan {
  key: string;
  kind: KvInput['op'];
  value: string;
  expect: string | null;
  unknown: boolean;
  tookEffect: boolean;
  before: number;
  after: number;
}

const plan: fc.Arbitrary<Plan> = fc.record({
  key: fc.constantFrom('x', 'y'),
  kind: fc.constantFrom<KvInput['op']>('get', 'put', 'append', 'cas'),
  value: fc.constantFrom(...VALUES),
  expect: fc.constantFrom(null, ...VALUES),
  unknown: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  tookEffect: fc.boolean(),
  before: fc.nat(25),
  after: fc.nat(25),
});

/**
 * Runs the plans one after another on a plain map, operation i taking effect
 * at time 10i+5, then widens each interval around that instant. Operations
 * with an unknown outcome may or may not have taken effect.
 */
function sequentialHistory(plans: readonly Plan[]): KvOperation[] {
  const store = new Map<string, string>();
  return plans.map((p, i): KvOperation => {
    const at = 10 * i + 5;
    const input: KvInput =
      p.kind === 'get' ? { op: 'get', key: p.key } : p.kind === 'cas' ? { op: 'cas', key: p.key, expect: p.expect, value: p.value } : { op: p.kind, key: p.key, value: p.value };
    const output = !p.unknown || p.tookEffect ? apply(store, input) : null;
    return { id: i, client: i, input, output: p.unknown ? undefined : output, call: at - p.before, return: p.unknown ? null : at + p.after };
  });
}

function apply(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  if (input.op === 'get') return current;
  if (input.op === 'cas') {
    if (current !== input.expect) return false;
    store.set(input.key, input.value);
    return true;
  }
  store.set(input.key, input.op === 'put' ? input.value : (current ?? '') + input.value);
  return null;
}

/** Replaces the output of one known get or cas with another possible output. */
function mutate(ops: KvOperation[], pick: number, replacement: number): KvOperation[] {
  const observers = ops.filter((op) => op.return !== null && (op.input.op === 'get' || op.input.op === 'cas'));
  const target = observers[pick % Math.max(1, observers.length)];
  if (target === undefined) return ops;
  const choices: KvOutput[] = target.input.op === 'cas' ? [!target.output] : READS.filter((r) => r !== target.output);
  const output = choices[replacement % choices.length]!;
  return ops.map((op) => (op === target ? { ...op, output } : op));
}

test('histories from a sequential execution, intervals widened, are linearizable', () => {
  fc.assert(
    fc.property(fc.array(plan, { minLength: 1, maxLength: 60 }), (plans) => {
      const ops = sequentialHistory(plans);
      assert.equal(checkLinearizable(kvModel, ops, { witness: false }).verdict, 'ok');
    }),
    { numRuns: 300 },
  );
});

test('on small histories the checker agrees with brute force, and witnesses are minimal violations', () => {
  const verdicts = { ok: 0, illegal: 0 };
  const tiny = fc.tuple(fc.array(plan, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), fc.boolean());
  fc.assert(
    fc.property(tiny, ([plans, pick, replacement, mutated]) => {
      const base = sequentialHistory(plans);
      const ops = mutated ? mutate(base, pick, replacement) : base;
      const result = checkLinearizable(kvModel, ops);
      const expected = bruteForceKvLinearizable(ops);
      assert.equal(result.verdict, expected ? 'ok' : 'illegal');
      verdicts[result.verdict === 'ok' ? 'ok' : 'illegal']++;
      if (expected) return;
      const witness = result.witness!;
      assert.equal(bruteForceKvLinearizable(witness.ops), false, 'the witness is a violation');
      assertOneMinimal(witness.ops, new Set(witness.culprits));
    }),
    { numRuns: 600 },
  );
  // Both answers must be common, or this test proves little.
  assert.ok(verdicts.ok > 100 && verdicts.illegal > 100, JSON.stringify(verdicts));
});

test('on small arbitrary histories the checker agrees with brute force', () => {
  const op = fc.record({
    plan,
    output: fc.constantFrom<KvOutput>(...READS),
    swapped: fc.boolean(),
    call: fc.nat(30),
    length: fc.nat(15),
  });
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (drawn) => {
      const ops = drawn.map(({ plan: p, output, swapped, call, length }, i): KvOperation => {
        const input: KvInput =
          p.kind === 'get' ? { op: 'get', key: p.key } : p.kind === 'cas' ? { op: 'cas', key: p.key, expect: p.expect, value: p.value } : { op: p.kind, key: p.key, value: p.value };
        const out = p.unknown ? undefined : p.kind === 'get' ? output : p.kind === 'cas' ? swapped : null;
        return { id: i, client: i, input, output: out, call, return: p.unknown ? null : call + length };
      });
      assert.equal(checkLinearizable(kvModel, ops, { witness: false }).verdict, bruteForceKvLinearizable(ops) ? 'ok' : 'illegal');
    }),
    { numRuns: 600 },
  );
});

/**
 * No single operation can leave the witness and keep it a violation, except
 * where the shrinker must keep it: the last culprit, or a write whose removal
 * would leave a read of a value nobody wrote.
 */
function assertOneMinimal(ops: readonly KvOperation[], culprits: ReadonlySet<number>): void {
  const orphansBefore = kvModel.orphans!(ops);
  for (const dropped of ops) {
    const rest = ops.filter((op) => op !== dropped);
    if (!rest.some((op) => culprits.has(op.id))) continue;
    if ([...kvModel.orphans!(rest)].some((id) => !orphansBefore.has(id))) continue;
    assert.equal(bruteForceKvLinearizable(rest), true, `op ${dropped.id} could be dropped from the witness`);
  }
}
