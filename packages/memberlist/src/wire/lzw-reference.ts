import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';

// The LZW codec in plain TypeScript: the model lzw.wat is tested against
// (lzw.test.ts compares the two on thousands of inputs, garbage included).
// Production code uses lzw.ts. Go's compress/lzw with LSB bit order and
// 8-bit literals (GIF style): clear = 256, eof = 257, codes 9..12 bits wide,
// following Go's table-growth rules exactly so output is byte-identical.

const CLEAR = 256;
const EOF_CODE = 257;
const MAX_WIDTH = 12;
const MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095
const NO_CODE = -1;
// The compressor's dictionary: open addressing over (prefix << 8 | byte) << 12 | code, as Go does.
const TABLE_SIZE = 4 << 12;
const TABLE_MASK = TABLE_SIZE - 1;

// Scratch kept between calls: every packet is offered to the compressor, and
// allocating (and zeroing) a 64 KiB dictionary per packet cost more than the
// compression of a small one. Both functions run to completion synchronously,
// so one set serves every caller. A dictionary slot counts only when its
// generation stamp is current: a new call or a table reset bumps the
// generation instead of clearing 16,384 slots.
const dictionary = new Uint32Array(TABLE_SIZE);
const dictionaryGeneration = new Uint32Array(TABLE_SIZE);
let generation = 0;
let compressOut = new Uint8Array(4096);
// Decoder entries at or above 258 are always written in the current call
// before they can be read, and entries below 256 (single bytes) never change.
const entryStart = new Int32Array(1 << MAX_WIDTH);
const entryLength = new Int32Array(1 << MAX_WIDTH).fill(1, 0, CLEAR);

function nextGeneration(): number {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    dictionaryGeneration.fill(0);
    generation = 1;
  }
  return generation;
}

/**
 * Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed
 * by Close. With `limit`, gives up (undefined) as soon as the output reaches
 * `limit` bytes: for a caller that only wants a result smaller than that.
 */
export function lzwCompress(input: Uint8Array): Uint8Array;
export function lzwCompress(input: Uint8Array, limit: number): Uint8Array | undefined;
export function lzwCompress(input: Uint8Array, limit = Infinity): Uint8Array | undefined {
  const n = input.length;
  // Worst case: one 12-bit code per input byte, a 12-bit clear per 3,839 codes, and slack.
  const worst = ((n * 3) >>> 1) + (n >>> 10) + 64;
  if (compressOut.length < worst) compressOut = new Uint8Array(Math.max(worst, compressOut.length * 2));
  const out = compressOut;
  const table = dictionary;
  const stamp = dictionaryGeneration;
  let gen = nextGeneration();
  let outLen = 0;
  let bits = CLEAR; // the opening clear code, not yet flushed
  let nBits = 9;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  if (n > 0) {
    let code = input[0]!;
    // Step i reads input[i]; the extra step i = n writes the last code.
    for (let i = 1; i <= n; i++) {
      const literal = i < n ? input[i]! : 0;
      const key = (code << 8) | literal;
      let hash = ((key >>> 12) ^ key) & TABLE_MASK;
      if (i < n) {
        let found = NO_CODE;
        while (stamp[hash] === gen) {
          const entry = table[hash]!;
          if (entry >>> 12 === key) {
            found = entry & MAX_CODE;
            break;
          }
          hash = (hash + 1) & TABLE_MASK;
        }
        if (found !== NO_CODE) {
          code = found;
          continue;
        }
      }
      bits |= code << nBits;
      nBits += width;
      while (nBits >= 8) {
        out[outLen++] = bits & 0xff;
        bits >>>= 8;
        nBits -= 8;
      }
      if (outLen >= limit) return undefined;
      code = literal;
      hi++;
      if (hi === overflow) {
        width++;
        overflow <<= 1;
      }
      if (hi === MAX_CODE) {
        // The table is full: a clear (at the current width) and a fresh table, as Go does.
        bits |= CLEAR << nBits;
        nBits += width;
        width = 9;
        hi = EOF_CODE;
        overflow = 1 << 9;
        gen = nextGeneration();
      } else if (i < n) {
        table[hash] = ((key << 12) | hi) >>> 0;
        stamp[hash] = gen;
      }
    }
  }
  bits |= EOF_CODE << nBits;
  nBits += width;
  while (nBits >= 8) {
    out[outLen++] = bits & 0xff;
    bits >>>= 8;
    nBits -= 8;
  }
  if (nBits > 0) out[outLen++] = bits & 0xff;
  if (outLen >= limit) return undefined;
  return out.slice(0, outLen);
}

/**
 * Decompresses Go LSB/8 LZW. A stream without the EOF code is an error, as in
 * Go; so is output beyond `maxOutput` bytes (checked before each write, so a
 * bomb costs at most `maxOutput` bytes of memory). Bytes after EOF are ignored.
 *
 * Every table entry is the previous code's string plus one byte, and that
 * string already sits contiguously in the output; so entries are kept as
 * (offset, length) into the output and expanded with copyWithin.
 */
export function lzwDecompress(input: Uint8Array, maxOutput: number = Limits.decompressedMaxBytes): Uint8Array {
  let out = new Uint8Array(Math.min(maxOutput, Math.max(64, input.length * 4)));
  let outLen = 0;
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  let last = NO_CODE;
  let lastStart = 0;

  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) throw new WireError(WireErrorCode.LzwUnexpectedEof, 'lzw: stream ended before the EOF code');
      bits |= input[pos++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = 9;
      hi = EOF_CODE;
      overflow = 1 << 9;
      last = NO_CODE;
      continue;
    }
    if (code === EOF_CODE) return out.slice(0, outLen);
    if (code > hi) throw new WireError(WireErrorCode.LzwInvalidCode, `lzw: invalid code ${code} (next is ${hi})`);

    // KwKwK: the code being defined right now is last's string plus its own first byte.
    const kwkwk = code === hi && last !== NO_CODE;
    const n = code < CLEAR ? 1 : kwkwk ? entryLength[last]! + 1 : entryLength[code]!;
    if (outLen + n > out.length) {
      if (outLen + n > maxOutput) throw new WireError(WireErrorCode.TooLarge, `lzw: decompressed output exceeds ${maxOutput} bytes`);
      let size = out.length * 2;
      while (size < outLen + n) size *= 2;
      const next = new Uint8Array(Math.min(size, maxOutput));
      next.set(out.subarray(0, outLen));
      out = next;
    }
    const start = outLen;
    if (code < CLEAR) {
      out[outLen] = code;
    } else {
      const from = kwkwk ? lastStart : entryStart[code]!; // last was just written at lastStart
      const copy = kwkwk ? n - 1 : n;
      if (copy < 16) for (let i = 0; i < copy; i++) out[start + i] = out[from + i]!;
      else out.copyWithin(start, from, from + copy);
      if (kwkwk) out[start + n - 1] = out[start]!;
    }
    outLen += n;

    if (last !== NO_CODE) {
      entryStart[hi] = lastStart;
      entryLength[hi] = entryLength[last]! + 1;
    }
    last = code;
    lastStart = start;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        last = NO_CODE;
        hi--;
      } else {
        width++;
        overflow <<= 1;
      }
    }
  }
}
