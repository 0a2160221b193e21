// Property tests: random schemas and values round-trip byte-stably; random or mutated input
// never throws anything but MsgpackDecodeError. Replay a failure with FC_SEED=<seed> (and
// FC_PATH=<path>) as printed by fast-check; FC_SEED=random FC_RUNS_SCALE=10 for a longer hunt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decode,
  decodeAny,
  decodeFrom,
  encode,
  field,
  GO_ZERO_TIME,
  MsgpackDecodeError,
  NEED_MORE,
  skipValue,
  struct,
  t,
  type EncodeOptions,
  type GoTime,
  type MsgType,
} from './index.js';
import * as s from './testdata/schemas.js';
import { GOLDEN } from './testdata/vectors.js';

// A fixed default seed keeps CI deterministic; FC_SEED=random explores new cases.
const seedEnv = process.env.FC_SEED;
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Number(process.env.FC_RUNS_SCALE ?? 1) * numRuns,
  ...(seedEnv === 'random' ? {} : { seed: seedEnv === undefined ? 0x5eed_0001 : Number(seedEnv), path: process.env.FC_PATH }),
});

type Spec =
  | { k: 'str' | 'bytes' | 'bool' | 'float' | 'goTime' }
  | { k: 'uint' | 'int'; bits: 8 | 16 | 32 | 64 }
  | { k: 'array' | 'nullable'; of: Spec }
  | { k: 'map'; strKeys: boolean; of: Spec }
  | { k: 'struct'; fields: { name: string; omitEmpty: boolean; spec: Spec }[] };

const goName = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/);

const specArb: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Spec>({ k: 'str' }, { k: 'bytes' }, { k: 'bool' }, { k: 'float' }, { k: 'goTime' }),
    fc.record({ k: fc.constantFrom('uint' as const, 'int' as const), bits: fc.constantFrom(8 as const, 16 as const, 32 as const, 64 as const) }),
    fc.record({ k: fc.constantFrom('array' as const, 'nullable' as const), of: tie('spec') }),
    fc.record({ k: fc.constant('map' as const), strKeys: fc.boolean(), of: tie('spec') }),
    fc.record({
      k: fc.constant('struct' as const),
      fields: fc.uniqueArray(fc.record({ name: goName, omitEmpty: fc.boolean(), spec: tie('spec') }), {
        maxLength: 6,
        selector: (f) => f.name,
      }),
    }),
  ),
})).spec;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function build(spec: Spec): MsgType<any> {
  switch (spec.k) {
    case 'str': return t.str;
    case 'bytes': return t.bytes;
    case 'bool': return t.bool;
    case 'float': return t.float;
    case 'goTime': return t.goTime;
    case 'uint': return t[`uint${spec.bits}`];
    case 'int': return t[`int${spec.bits}`];
    case 'array': return t.array(build(spec.of));
    case 'nullable': return t.nullable(build(spec.of));
    case 'map': return spec.strKeys ? t.map(t.str, build(spec.of)) : t.map(t.uint32, build(spec.of));
    case 'struct':
      return struct(Object.fromEntries(spec.fields.map((f, i) => [`p${i}`, field(f.name, build(f.spec), { omitEmpty: f.omitEmpty })])));
  }
}

const SEC_TO_YEAR1 = 62_135_596_800;
function timeArb(utcOnly: boolean): fc.Arbitrary<GoTime> {
  const offset = fc.oneof(
    fc.integer({ min: -720, max: 840 }).filter((m) => m !== -1).map((m) => m * 60),
    fc.integer({ min: -50_000, max: 50_000 }).filter((sec) => Math.trunc(sec / 60) !== -1),
  );
  const base = fc.record({
    unixSec: fc.integer({ min: -SEC_TO_YEAR1 - 1e12, max: 2 ** 40 }),
    nsec: fc.integer({ min: 0, max: 999_999_999 }),
  }, { noNullPrototype: true });
  const zoned = utcOnly ? base : fc.tuple(base, fc.option(offset, { nil: undefined })).map(([b, o]) => (o === undefined ? b : { ...b, utcOffsetSec: o }));
  return fc.oneof(zoned, fc.constant(GO_ZERO_TIME));
}

function valueArb(spec: Spec, utcOnly: boolean): fc.Arbitrary<unknown> {
  switch (spec.k) {
    case 'str': return fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'grapheme-ascii', minLength: 30, maxLength: 300 }));
    case 'bytes': return fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined });
    case 'bool': return fc.boolean();
    case 'float': return fc.double();
    case 'goTime': return timeArb(utcOnly);
    case 'uint': return spec.bits === 64 ? fc.maxSafeNat() : fc.integer({ min: 0, max: 2 ** spec.bits - 1 });
    case 'int': return spec.bits === 64 ? fc.maxSafeInteger() : fc.integer({ min: -(2 ** (spec.bits - 1)), max: 2 ** (spec.bits - 1) - 1 });
    case 'array': return fc.option(fc.array(valueArb(spec.of, utcOnly), { maxLength: 5 }), { nil: undefined });
    case 'nullable': return fc.option(valueArb(spec.of, utcOnly), { nil: undefined });
    case 'map': {
      const key = spec.strKeys ? fc.string({ maxLength: 6 }) : fc.nat({ max: 0xffff_ffff });
      return fc.option(fc.array(fc.tuple(key, valueArb(spec.of, utcOnly)), { maxLength: 4 }).map((kv) => new Map<unknown, unknown>(kv)), { nil: undefined });
    }
    case 'struct':
      return fc.tuple(...spec.fields.map((f) => valueArb(f.spec, utcOnly))).map((vals) => Object.fromEntries(vals.map((v, i) => [`p${i}`, v])));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isEmpty(type: MsgType<any>, v: unknown): boolean {
  return v == null || type.isEmpty(v);
}

/**
 * What a value decodes back to: omitted-empty fields come back as their zero, and a pointer
 * whose target is itself written as nil (the builtin-form zero time) comes back nil, as in Go.
 */
function expected(spec: Spec, v: unknown, options: EncodeOptions): unknown {
  switch (spec.k) {
    case 'array': return v === undefined ? v : (v as unknown[]).map((x) => expected(spec.of, x, options));
    case 'nullable': {
      if (v === undefined) return v;
      const inner = encode(build(spec.of), v, options);
      return inner.length === 1 && inner[0] === 0xc0 ? undefined : expected(spec.of, v, options);
    }
    case 'map': return v === undefined ? v : new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [k, expected(spec.of, x, options)]));
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        spec.fields.map((f, i) => {
          const type = build(f.spec);
          const x = o[`p${i}`];
          return [`p${i}`, f.omitEmpty && isEmpty(type, x) ? type.zero() : expected(f.spec, x, options)];
        }),
      );
    }
    default: return v;
  }
}

/** Only a pointer to a zero time (builtin form, written nil) can decode differently from what was encoded. */
function hasPointerToTime(spec: Spec): boolean {
  switch (spec.k) {
    case 'nullable': return spec.of.k === 'goTime' || hasPointerToTime(spec.of);
    case 'array': case 'map': return hasPointerToTime(spec.of);
    case 'struct': return spec.fields.some((f) => hasPointerToTime(f.spec));
    default: return false;
  }
}

const caseArb = fc
  .tuple(specArb, fc.constantFrom<EncodeOptions>({}, { intStyle: 'v2' }, { timeFormat: 'builtin' }))
  .chain(([spec, options]) => valueArb(spec, options.timeFormat === 'builtin').map((value) => ({ spec, options, value })));

test('property: random schemas round-trip, and re-encoding is stable', () => {
  fc.assert(
    fc.property(caseArb, ({ spec, options, value }) => {
      const type = build(spec);
      const bytes = encode(type, value, options);
      const back = decode(type, bytes);
      assert.deepEqual(back, expected(spec, value, options));
      // Re-encoding is a fixpoint. (Not always equal to `bytes`: like Go, a non-nil pointer to a
      // value written as nil comes back nil, and an omitempty field then drops its key.)
      const again = encode(type, back, options);
      assert.deepEqual(encode(type, decode(type, again), options), again);
      assert.deepEqual(decode(type, again), back);
      if (!(options.timeFormat === 'builtin' && hasPointerToTime(spec))) assert.deepEqual(again, bytes);
      // Generic decoders agree on where the value ends.
      assert.equal(skipValue(bytes, 0), bytes.length);
      const any = decodeAny(bytes, 0);
      assert.ok(!any.needMore && any.offset === bytes.length);
      // Every proper prefix is "need more".
      for (const cut of [0, bytes.length >> 1, bytes.length - 1]) {
        if (cut < bytes.length) assert.equal(decodeFrom(type, bytes.subarray(0, cut), 0), NEED_MORE);
      }
    }),
    params(400),
  );
});

test('property: struct keys are written in ascending byte order, counting only written fields', () => {
  const structCase = caseArb.filter((c) => c.spec.k === 'struct');
  fc.assert(
    fc.property(structCase, ({ spec, options, value }) => {
      const bytes = encode(build(spec), value, options);
      const any = decodeAny(bytes, 0, { rawStrings: true });
      assert.ok(!any.needMore);
      const keys = [...(any.value as Map<Uint8Array, unknown>).keys()].map((k) => Buffer.from(k));
      for (let i = 1; i < keys.length; i++) assert.ok(Buffer.compare(keys[i - 1]!, keys[i]!) < 0);
    }),
    params(200),
  );
});

const schemas: MsgType<unknown>[] = [s.Ping, s.Alive, s.PushNodeState, s.AppendEntriesRequest, s.InstallSnapshotRequest, s.Configuration, t.goTime, t.array(t.map(t.str, t.float))];

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MsgpackDecodeError)) throw e;
  }
}

function feed(bytes: Uint8Array): void {
  onlyDecodeErrors(() => decodeAny(bytes, 0));
  onlyDecodeErrors(() => skipValue(bytes, 0));
  for (const type of schemas) {
    onlyDecodeErrors(() => decode(type, bytes));
    onlyDecodeErrors(() => decodeFrom(type, bytes, 0));
  }
}

test('property: random garbage only ever yields MsgpackDecodeError or NEED_MORE', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => feed(bytes)), params(2000));
});

test('property: mutated golden vectors only ever yield MsgpackDecodeError or NEED_MORE', () => {
  const mutation = fc.tuple(
    fc.constantFrom(...GOLDEN.map((g) => g.bytes)),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  );
  fc.assert(
    fc.property(mutation, ([original, edits]) => {
      const bytes = original.slice();
      for (const [at, b] of edits) bytes[at % bytes.length] = b;
      feed(bytes);
    }),
    params(3000),
  );
});
