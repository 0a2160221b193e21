// Golden vectors printed by testdata/go-vectors.go (go-msgpack 0.5.5, Go 1.19): integer widths,
// floats, time.Time MarshalBinary forms with zones, nil vs empty slices, nesting, omitempty and
// container/str header boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, field, struct, t, Writer, type GoTime } from './index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const Ints = struct({
  i: field('I', t.int),
  i8: field('I8', t.int8),
  i64: field('I64', t.int64),
  u: field('U', t.uint64),
  u8: field('U8', t.uint8),
  f: field('F', t.float),
  b: field('B', t.bool),
});

const INTS: [number, string][] = [
  [0, '87a142c2a146cb0000000000000000a14900a349363400a2493800a15500a2553800'],
  [127, '87a142c2a146cb0000000000000000a1497fa34936347fa2493800a15500a2553800'],
  [128, '87a142c2a146cb0000000000000000a149cc80a3493634cc80a2493800a15500a2553800'],
  [200, '87a142c2a146cb0000000000000000a149ccc8a3493634ccc8a2493800a15500a2553800'],
  [255, '87a142c2a146cb0000000000000000a149ccffa3493634ccffa2493800a15500a2553800'],
  [256, '87a142c2a146cb0000000000000000a149cd0100a3493634cd0100a2493800a15500a2553800'],
  [65535, '87a142c2a146cb0000000000000000a149cdffffa3493634cdffffa2493800a15500a2553800'],
  [65536, '87a142c2a146cb0000000000000000a149ce00010000a3493634ce00010000a2493800a15500a2553800'],
  [4294967295, '87a142c2a146cb0000000000000000a149ceffffffffa3493634ceffffffffa2493800a15500a2553800'],
  [4294967296, '87a142c2a146cb0000000000000000a149cf0000000100000000a3493634cf0000000100000000a2493800a15500a2553800'],
  [-1, '87a142c2a146cb0000000000000000a149ffa3493634ffa2493800a15500a2553800'],
  [-32, '87a142c2a146cb0000000000000000a149e0a3493634e0a2493800a15500a2553800'],
  [-33, '87a142c2a146cb0000000000000000a149d0dfa3493634d0dfa2493800a15500a2553800'],
  [-128, '87a142c2a146cb0000000000000000a149d080a3493634d080a2493800a15500a2553800'],
  [-129, '87a142c2a146cb0000000000000000a149d1ff7fa3493634d1ff7fa2493800a15500a2553800'],
  [-32768, '87a142c2a146cb0000000000000000a149d18000a3493634d18000a2493800a15500a2553800'],
  [-32769, '87a142c2a146cb0000000000000000a149d2ffff7fffa3493634d2ffff7fffa2493800a15500a2553800'],
  [-2147483648, '87a142c2a146cb0000000000000000a149d280000000a3493634d280000000a2493800a15500a2553800'],
  [-2147483649, '87a142c2a146cb0000000000000000a149d3ffffffff7fffffffa3493634d3ffffffff7fffffffa2493800a15500a2553800'],
];

for (const [n, bytes] of INTS) {
  test(`go 0.5.5: int ${n} in int and int64 fields`, () => {
    const value = { i: n, i8: 0, i64: n, u: 0, u8: 0, f: 0, b: false };
    assert.equal(toHex(encode(Ints, value)), bytes);
    assert.deepEqual(decode(Ints, hex(bytes)), value);
  });
}

test('go 0.5.5: mixed widths, negative int8, float64, bool', () => {
  const bytes = '87a142c3a146cb3ff8000000000000a149fba3493634cf0000010000000000a24938d09ca155cf001fffffffffffffa25538ccc8';
  const value = { i: -5, i8: -100, i64: 2 ** 40, u: Number.MAX_SAFE_INTEGER, u8: 200, f: 1.5, b: true };
  assert.equal(toHex(encode(Ints, value)), bytes);
  assert.deepEqual(decode(Ints, hex(bytes)), value);
});

test('v2 int style: positives above 127 use the signed family, negatives as in 0.5.5', () => {
  const cases: [number, string][] = [
    [127, '7f'], [128, 'd10080'], [32767, 'd17fff'], [32768, 'd200008000'], [2 ** 31, 'd30000000080000000'],
    [-1, 'ff'], [-33, 'd0df'], [-129, 'd1ff7f'], [-2147483649, 'd3ffffffff7fffffff'],
  ];
  for (const [n, bytes] of cases) {
    const w = new Writer({ intStyle: 'v2' });
    w.encode(t.int, n);
    assert.equal(toHex(w.toBytes()), bytes, `int ${n}`);
    assert.equal(decode(t.int, hex(bytes)), n);
  }
});

const WithTime = struct({ at: field('At', t.goTime) });
const TIMES: [string, GoTime, string][] = [
  ['zero', { unixSec: -62135596800, nsec: 0 }, '81a24174af01000000000000000000000000ffff'],
  ['2006-01-02T15:04:05Z', { unixSec: 1136214245, nsec: 0 }, '81a24174af010000000ebb4b37e500000000ffff'],
  ['nanoseconds', { unixSec: 1657320468, nsec: 235162000 }, '81a24174af010000000eda5aab140e044990ffff'],
  ['zone +02:30', { unixSec: Date.UTC(2022, 6, 8, 20, 17, 48) / 1000, nsec: 1, utcOffsetSec: 9000 }, '81a24174af010000000eda5a87ec000000010096'],
  ['zone -04:56:02 (version 2 blob)', { unixSec: Date.UTC(1900, 6, 9, 3, 43, 50) / 1000, nsec: 1, utcOffsetSec: -17762 }, '81a24174b0020000000df4e0d87600000001fed8fe'],
  ['fixed zone with offset 0 (not UTC)', { unixSec: 1657320468, nsec: 1, utcOffsetSec: 0 }, '81a24174af010000000eda5aab14000000010000'],
];
for (const [name, value, bytes] of TIMES) {
  test(`go 0.5.5: time.Time ${name}`, () => {
    assert.deepEqual(decode(WithTime, hex(bytes)), { at: value });
    assert.equal(toHex(encode(WithTime, { at: value })), bytes);
  });
}

const Inner = struct({ name: field('Name', t.str), n: field('N', t.uint16) });
const Shapes = struct({
  s: field('S', t.str),
  raw: field('Raw', t.bytes),
  nums: field('Nums', t.array(t.uint32)),
  inners: field('Inners', t.array(Inner)),
  ptr: field('Ptr', t.nullable(Inner)),
  tags: field('Tags', t.map(t.str, t.int)),
  omit: field('Omit', t.str, { omitEmpty: true }),
});

test('go 0.5.5: nil slices, maps and pointers are c0', () => {
  const bytes = '86a6496e6e657273c0a44e756d73c0a3507472c0a3526177c0a153a0a454616773c0';
  const value = { s: '', raw: undefined, nums: undefined, inners: undefined, ptr: undefined, tags: undefined, omit: '' };
  assert.equal(toHex(encode(Shapes, value)), bytes);
  assert.deepEqual(decode(Shapes, hex(bytes)), value);
});

test('go 0.5.5: empty non-nil slices and maps are 90/a0/80', () => {
  const bytes = '86a6496e6e65727390a44e756d7390a3507472c0a3526177a0a153a0a45461677380';
  const value = { s: '', raw: new Uint8Array(), nums: [], inners: [], ptr: undefined, tags: new Map(), omit: '' };
  assert.equal(toHex(encode(Shapes, value)), bytes);
  assert.deepEqual(decode(Shapes, hex(bytes)), value);
});

test('go 0.5.5: nested structs, pointer, map, str16 bytes, fixstr of 31', () => {
  const bytes =
    '87a6496e6e6572739282a14e01a44e616d65a16182a14ecdffffa44e616d65a162a44e756d739301cd012cce00011170a44f6d6974a178a350747282a14e00a44e616d65a170a3526177da00207272727272727272727272727272727272727272727272727272727272727272a153bf73737373737373737373737373737373737373737373737373737373737373a45461677381a16bccc8';
  const value = {
    s: 's'.repeat(31),
    raw: new TextEncoder().encode('r'.repeat(32)),
    nums: [1, 300, 70000],
    inners: [{ name: 'a', n: 1 }, { name: 'b', n: 65535 }],
    ptr: { name: 'p', n: 0 },
    tags: new Map([['k', 200]]),
    omit: 'x',
  };
  assert.equal(toHex(encode(Shapes, value)), bytes);
  assert.deepEqual(decode(Shapes, hex(bytes)), value);
});

test('go 0.5.5: str/bytes/array/map header boundaries', () => {
  const header = (type: Parameters<typeof encode>[0], value: unknown, n: number): string =>
    toHex(encode(type, value as never).subarray(0, n));
  assert.equal(header(t.str, 'z'.repeat(31), 1), 'bf');
  assert.equal(header(t.str, 'z'.repeat(32), 3), 'da0020');
  assert.equal(header(t.str, 'z'.repeat(255), 3), 'da00ff', 'never str8');
  assert.equal(header(t.str, 'z'.repeat(256), 3), 'da0100');
  assert.equal(header(t.str, 'z'.repeat(65535), 3), 'daffff');
  assert.equal(header(t.str, 'z'.repeat(65536), 5), 'db00010000');
  assert.equal(header(t.bytes, new Uint8Array(65536), 5), 'db00010000', 'never bin');
  assert.equal(header(t.array(t.uint32), new Array<number>(15).fill(0), 1), '9f');
  assert.equal(header(t.array(t.uint32), new Array<number>(16).fill(0), 3), 'dc0010');
  assert.equal(header(t.array(t.uint32), new Array<number>(65536).fill(0), 5), 'dd00010000');
  const m = new Map<number, boolean>();
  for (let i = 0; i < 16; i++) m.set(i, true);
  assert.equal(header(t.map(t.uint32, t.bool), m, 3), 'de0010');
});
