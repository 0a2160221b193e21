// Mutation fuzzing of every wire decoder, seeded from the Go fixtures. Each
// case must either decode or fail with a WireError carrying a known code;
// anything else (a RangeError, a TypeError, a hang) fails the test with the
// seed and case number that replay it:
//   FUZZ_SEED=<seed> FUZZ_CASES=<n> node scripts/run-tests.mjs packages/memberlist/src/wire/fuzz.test.ts
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, Writer, type Random } from '@shoal/kit';
import { decodeCompound, encodeCompound } from './compound.js';
import { WireError, WireErrorCode } from './errors.js';
import { hex, loadFixture } from './go-fixtures.js';
import { Keyring } from './keyring.js';
import { removeLabelHeaderFromPacket } from './label.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { CompressSchema } from './messages.js';
import { decodeMessages, decodePacket, encodePacket, type WireSecurity } from './packet.js';
import { decodeStream, StreamDecoder } from './stream.js';

const CASES = Number(process.env.FUZZ_CASES ?? 100_000);
// Seeded here rather than by kit's cryptoSeed (see /work/notes/kit-bugs.md).
const SEED = process.env.FUZZ_SEED === undefined ? randomBytes(4).readUInt32BE(0) : Number(process.env.FUZZ_SEED);
const KNOWN_CODES = new Set<string>(Object.values(WireErrorCode));

interface Seed {
  bytes: Uint8Array;
  target: 'packet' | 'messages' | 'stream' | 'lzw' | 'compound' | 'label';
  security: WireSecurity;
}

function corpus(): Seed[] {
  const seeds: Seed[] = [];
  type P = { hex: string; inner: string; keys: string[]; label: string };
  const ring = (keys: string[]): Keyring | undefined => (keys.length === 0 ? undefined : Keyring.create(keys.map(hex), hex(keys[0]!)));
  for (const p of loadFixture<{ packets: P[] }>('packets.json').packets) {
    seeds.push({ bytes: hex(p.hex), target: 'packet', security: { keyring: ring(p.keys), label: p.label } });
    seeds.push({ bytes: hex(p.inner), target: 'messages', security: {} });
    seeds.push({ bytes: hex(p.inner), target: 'packet', security: { gossipVerifyIncoming: false, keyring: ring(p.keys) } });
  }
  for (const s of loadFixture<{ streams: P[] }>('streams.json').streams) {
    seeds.push({ bytes: hex(s.hex), target: 'stream', security: { keyring: ring(s.keys), label: s.label } });
    seeds.push({ bytes: hex(s.inner), target: 'stream', security: {} });
  }
  for (const m of loadFixture<{ messages: { hex: string }[] }>('messages.json').messages) {
    if (m.hex.length < 4000) seeds.push({ bytes: hex(m.hex), target: 'messages', security: {} });
  }
  for (const c of loadFixture<{ compounds: { hex: string }[] }>('compound.json').compounds) {
    seeds.push({ bytes: hex(c.hex), target: 'messages', security: {} });
    seeds.push({ bytes: hex(c.hex).subarray(1), target: 'compound', security: {} });
  }
  for (const l of loadFixture<{ lzw: { output?: string }[] }>('lzw.json').lzw) {
    if (l.output !== undefined && l.output.length < 20000) seeds.push({ bytes: hex(l.output), target: 'lzw', security: {} });
  }
  // Captured plaintext traffic only: mutating ciphertext mostly exercises GCM's tag check, which packets.json already covers.
  for (const c of loadFixture<{ captured: { kind: string; hex: string; keys: string[] }[] }>('captured.json').captured) {
    if (c.keys.length === 0) seeds.push({ bytes: hex(c.hex), target: c.kind === 'packet' ? 'packet' : 'stream', security: { keyring: ring(c.keys) } });
  }
  seeds.push({ bytes: hex('f40470726f640082a44e6f6465a66e6f64652d62a55365714e6f01'), target: 'label', security: {} });
  return seeds;
}

/** A compressMsg whose LZW payload expands to `n` zero bytes (a bomb when n is large). */
function compressBomb(n: number, inner: number): Uint8Array {
  const payload = new Uint8Array(n);
  payload[0] = inner; // a message type, so the decompressed bytes are dispatched again
  const w = new Writer();
  w.u8(9);
  w.encode(CompressSchema, { algo: 0, buf: lzwCompress(payload) });
  return w.toBytes();
}

function mutate(rnd: Random, src: Uint8Array, bombs: Uint8Array[]): Uint8Array {
  const b = src.slice();
  switch (rnd.int(11)) {
    case 0: // bit flips
      for (let i = 1 + rnd.int(4); i > 0 && b.length > 0; i--) b[rnd.int(b.length)]! ^= 1 << rnd.int(8);
      return b;
    case 1: // random bytes
      for (let i = 1 + rnd.int(4); i > 0 && b.length > 0; i--) b[rnd.int(b.length)] = rnd.int(256);
      return b;
    case 2: // truncation
      return b.subarray(0, rnd.int(b.length + 1));
    case 3: // extension with random bytes
      return Uint8Array.of(...b, ...Array.from({ length: 1 + rnd.int(40) }, () => rnd.int(256)));
    case 4: { // a range deleted
      const at = rnd.int(b.length + 1);
      return Uint8Array.of(...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + rnd.int(8))));
    }
    case 5: { // wrong lengths: a big-endian u16/u32 somewhere set to an extreme
      if (b.length < 5) return b;
      const at = rnd.int(b.length - 4);
      const v = rnd.pick([0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, b.length, b.length + 1])!;
      new DataView(b.buffer).setUint32(at, v >>> 0);
      return b;
    }
    case 6: { // oversized claimed msgpack lengths: str32 / array32 / map32 headers with huge counts
      const at = rnd.int(b.length + 1);
      const header = rnd.pick([
        [0xdb, 0xff, 0xff, 0xff, 0xff],
        [0xdd, 0x7f, 0xff, 0xff, 0xff],
        [0xdf, 0x00, 0x10, 0x00, 0x00],
        [0xce, 0x7f, 0xff, 0xff, 0xff],
        [0xda, 0xff, 0xff],
      ])!;
      return Uint8Array.of(...b.subarray(0, at), ...header, ...b.subarray(at));
    }
    case 7: { // compounds of 255+ parts: a full count byte with too few lengths, or nested compounds
      const parts = rnd.int(2) === 0 ? 255 : 1 + rnd.int(255);
      const out = [7, parts];
      for (let i = 0; i < parts; i++) out.push(0, rnd.int(3));
      for (let i = rnd.int(parts * 2); i > 0; i--) out.push(rnd.pick([0x0b, 0x80, 0x81, 0x07, 0x00, 0x09])!);
      return Uint8Array.from(out);
    }
    case 8: // compression bombs (and nested compress/compound around them)
      return rnd.pick(bombs)!;
    case 9: { // splice two halves of the input
      const at = rnd.int(b.length + 1);
      return Uint8Array.of(...b.subarray(at), ...b.subarray(0, at));
    }
    default: // duplicated byte run
      if (b.length === 0) return b;
      {
        const at = rnd.int(b.length);
        const run = b.subarray(at, at + 1 + rnd.int(16));
        return Uint8Array.of(...b.subarray(0, at), ...run, ...run, ...b.subarray(at + run.length));
      }
  }
}

function run(seed: Seed, input: Uint8Array, rnd: Random): void {
  switch (seed.target) {
    case 'packet': {
      const r = decodePacket(input, seed.security);
      for (const e of r.errors) assertTyped(e);
      return;
    }
    case 'messages': {
      const r = decodeMessages(input);
      for (const e of r.errors) assertTyped(e);
      return;
    }
    case 'stream': {
      if (rnd.int(2) === 0) {
        decodeStream(input, seed.security);
        return;
      }
      const d = new StreamDecoder(seed.security);
      for (let at = 0; at < input.length; ) {
        const n = 1 + rnd.int(32);
        if (d.push(input.subarray(at, at + n)) !== 'need-more') return;
        at += n;
      }
      d.end();
      return;
    }
    case 'lzw':
      lzwDecompress(input, 1 << 20);
      return;
    case 'compound':
      decodeCompound(input);
      return;
    case 'label':
      removeLabelHeaderFromPacket(input);
      return;
  }
}

function assertTyped(e: unknown): void {
  assert.ok(e instanceof WireError, `not a WireError: ${String(e)}`);
  assert.ok(KNOWN_CODES.has(e.code), `unknown code ${e.code}`);
}

test(`fuzz: ${CASES} mutated fixtures through every decoder give only typed errors`, () => {
  const rnd = createRandom(SEED);
  const seeds = corpus();
  // Small bombs in the loop keep it fast; the 40 MiB budget has its own test below.
  const bombs = [compressBomb(100_000, 0x0b), compressBomb(300_000, 0x07), compressBomb(200_000, 0x09), Uint8Array.of(7, 2, 0, 0, 0, 0)];
  const outcomes = new Map<string, number>();
  let started = 0;
  // Most cases end in an expected WireError; under tsx's source maps each stack
  // trace costs ~15 µs, which would dominate. Replays can keep them: FUZZ_STACKS=1.
  const stackTraceLimit = Error.stackTraceLimit;
  if (process.env.FUZZ_STACKS === undefined) Error.stackTraceLimit = 0;
  try {
    for (let i = 0; i < CASES; i++) {
      started = i;
      const seed = rnd.pick(seeds)!;
      const input = rnd.int(20) === 0 ? seed.bytes : mutate(rnd, seed.bytes, bombs);
      let outcome = 'ok';
      try {
        run(seed, input, rnd);
      } catch (e) {
        assertTyped(e);
        outcome = (e as WireError).code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  } catch (e) {
    Error.stackTraceLimit = stackTraceLimit;
    assert.fail(`fuzz case ${started} failed (replay: FUZZ_STACKS=1 FUZZ_SEED=${rnd.seed} FUZZ_CASES=${started + 1}): ${String(e)} ${(e as Error).stack ?? ''}`);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`fuzz: ${CASES} cases, seed ${rnd.seed}, ${seeds.length} seeds; outcomes: ${summary}`);
  assert.ok((outcomes.get('ok') ?? 0) > CASES / 50, 'a meaningful share of inputs still decode');
  assert.ok(outcomes.size > 10, 'mutations reach many different failure modes');
});

test('compression bombs: one packet decompresses at most 64 KiB in total, however it nests', () => {
  const bomb = compressBomb(4_000_000, 0x0b); // 4 MB of zeros behind a few KB
  const r = decodeMessages(encodeCompound(Array.from({ length: 40 }, () => bomb)));
  const tooLarge = r.errors.filter((e) => e.code === WireErrorCode.TooLarge).length;
  assert.equal(tooLarge, 40, 'every part is refused: each alone exceeds the packet budget');
  // Nested: compress(compress(...)) of a 30 MB payload stays within the same budget.
  const nested = compressBomb(30_000_000, 0x09);
  const n = decodeMessages(nested);
  assert.ok(n.errors.length === 1 && n.errors[0] instanceof WireError);
  // The largest honest packet still fits: a compound of user messages just under 64 KiB.
  const honest = encodePacket(Array.from({ length: 63 }, () => Uint8Array.of(0x08, ...new Uint8Array(1000))), { compress: true });
  assert.equal(honest[0], 0x09, 'the packet went out compressed');
  const h = decodeMessages(honest);
  assert.deepEqual(h.errors, []);
  assert.equal(h.messages.length, 63);
});

test('compounds of compounds: 255 × 255 parts decode, and nesting has a bound', () => {
  const nack = Uint8Array.of(0x0b, 0x81, 0xa5, 0x53, 0x65, 0x71, 0x4e, 0x6f, 0x07);
  const inner = encodeCompound(Array(255).fill(nack));
  const outer = encodeCompound(Array(255).fill(inner));
  const r = decodeMessages(outer);
  assert.equal(r.messages.length, 255 * 255);
  assert.deepEqual(r.errors, []);
  // Go recurses without a limit; we stop at Limits.maxNesting.
  let nested: Uint8Array = nack;
  for (let i = 0; i < 12; i++) nested = encodeCompound([nested]);
  const deep = decodeMessages(nested);
  assert.equal(deep.messages.length, 0);
  assert.deepEqual(deep.errors.map((e) => e.code), [WireErrorCode.NestingTooDeep]);
  // A count byte of 255 with no length table behind it.
  assert.deepEqual(decodeMessages(Uint8Array.of(7, 255, 0, 1)).errors.map((e) => e.code), [WireErrorCode.CompoundTruncated]);
});
