import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';

// Go's compress/lzw with LSB bit order and 8-bit literals (GIF style):
// clear = 256, eof = 257, codes 9..12 bits wide. Both directions follow the
// Go implementation's table-growth rules exactly so output is byte-identical.

const CLEAR = 256;
const EOF_CODE = 257;
const MAX_WIDTH = 12;
const MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095
const NO_CODE = -1;

/** A growable byte sink that starts small and doubles. */
class ByteSink {
  private buf: Uint8Array;
  length = 0;
  constructor(initial: number) {
    this.buf = new Uint8Array(Math.max(16, initial));
  }
  push(b: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }
  /** Makes room for n more bytes and returns the backing array. */
  reserve(n: number): Uint8Array {
    if (this.length + n > this.buf.length) this.grow(n);
    return this.buf;
  }
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed by Close. */
export function lzwCompress(input: Uint8Array): Uint8Array {
  const out = new ByteSink((input.length >>> 1) + 16);
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  // Dictionary: key (prefixCode << 8 | byte) → code. Cleared on reset.
  let table = new Map<number, number>();

  const write = (code: number): void => {
    bits |= code << nBits;
    nBits += width;
    while (nBits >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      nBits -= 8;
    }
  };
  /** Returns false when the table was full and has just been reset. */
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = 9;
      hi = EOF_CODE;
      overflow = 1 << 9;
      table = new Map();
      return false;
    }
    return true;
  };

  if (input.length === 0) {
    write(CLEAR);
  } else {
    write(CLEAR);
    let code = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const literal = input[i]!;
      const key = (code << 8) | literal;
      const found = table.get(key);
      if (found !== undefined) {
        code = found;
        continue;
      }
      write(code);
      code = literal;
      if (incHi()) table.set(key, hi);
    }
    write(code);
    incHi();
  }
  write(EOF_CODE);
  if (nBits > 0) out.push(bits & 0xff);
  return out.bytes();
}

/**
 * Decompresses Go LSB/8 LZW. A stream without the EOF code is an error, as in
 * Go; so is output beyond `maxOutput` bytes (checked as it grows, so a bomb
 * costs at most `maxOutput` bytes of memory). Bytes after EOF are ignored.
 */
export function lzwDecompress(input: Uint8Array, maxOutput: number = Limits.decompressedMaxBytes): Uint8Array {
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const scratch = new Uint8Array(1 << MAX_WIDTH);
  const out = new ByteSink(Math.min(maxOutput, input.length * 3 + 16));
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  let width = 9;
  let hi = EOF_CODE;
  let overflow = 1 << 9;
  let last = NO_CODE;

  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) {
        throw new WireError(WireErrorCode.LzwUnexpectedEof, 'lzw: stream ended before the EOF code');
      }
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
    if (code === EOF_CODE) return out.bytes();
    if (code > hi) throw new WireError(WireErrorCode.LzwInvalidCode, `lzw: invalid code ${code} (next is ${hi})`);

    let first: number;
    if (code < CLEAR) {
      if (out.length + 1 > maxOutput) throw tooLarge(maxOutput);
      out.push(code);
      first = code;
    } else {
      // Walk the prefix chain backwards into scratch; prefix[c] < c, so this ends.
      let i = scratch.length;
      let c = code;
      if (code === hi && last !== NO_CODE) {
        // KwKwK: the entry being defined is last + first byte of last.
        let head = last;
        while (head >= CLEAR) head = prefix[head]!;
        scratch[--i] = head;
        c = last;
      }
      while (c >= CLEAR) {
        scratch[--i] = suffix[c]!;
        c = prefix[c]!;
      }
      scratch[--i] = c;
      first = c;
      const n = scratch.length - i;
      if (out.length + n > maxOutput) throw tooLarge(maxOutput);
      out.reserve(n).set(scratch.subarray(i), out.length);
      out.length += n;
    }
    if (last !== NO_CODE) {
      suffix[hi] = first;
      prefix[hi] = last;
    }
    last = code;
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

function tooLarge(max: number): WireError {
  return new WireError(WireErrorCode.TooLarge, `lzw: decompressed output exceeds ${max} bytes`);
}
