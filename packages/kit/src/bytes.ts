/**
 * Small byte helpers every package needs: equality, owned copies, hex and
 * UTF-8. One copy here instead of one per package.
 */

/** Byte-wise equality; undefined counts as empty (Go's bytes.Equal). */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  const n = a?.length ?? 0;
  if (n !== (b?.length ?? 0)) return false;
  for (let i = 0; i < n; i++) if (a![i] !== b![i]) return false;
  return true;
}

/**
 * `src[start, end)` copied into a new, exclusively owned array (byteOffset 0, so code that
 * uses `.buffer` directly stays correct). V8 keeps typed arrays of up to 64 bytes on the JS
 * heap, where allocating and filling by hand is much cheaper than `slice()`; larger copies pay
 * for an off-heap store either way. (A shared slab would be ~8x faster for 65..1024 bytes, but
 * one `new DataView(x.buffer)` that ignores byteOffset would then corrupt unrelated messages.)
 */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array {
  const n = end - start;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[start + i]!;
    return out;
  }
  return src.slice(start, end);
}

const HEX_DIGITS = '0123456789abcdef';

/** Two lower-case hex digits of one byte value. */
export function hexByte(b: number): string {
  return HEX_DIGITS[(b >> 4) & 15]! + HEX_DIGITS[b & 15]!;
}

/** Lower-case hex of the bytes, two digits each. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += hexByte(bytes[i]!);
  return out;
}

/** The bytes of a hex string (either case); throws RangeError on odd length or a non-hex digit. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new RangeError('fromHex: odd number of digits');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = digit(text.charCodeAt(2 * i));
    const lo = digit(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new RangeError(`fromHex: not a hex digit at ${hi < 0 ? 2 * i : 2 * i + 1}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string (Go's []byte(s)). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The string of UTF-8 bytes (Go's string(b)); invalid sequences become U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
