/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as Go's hash/crc32
 * ChecksumIEEE computes it, three ways by input size (timed on this
 * project's 2-core development machine):
 * - under 64 bytes, a slice-by-8 table loop in JavaScript: no call to cross;
 * - from 64 bytes, the same loop as WebAssembly (crc32.wat), the input copied
 *   into its memory: 170 ns for a 169-byte log record against 300 ns;
 * - from 512 bytes, node:zlib's native crc32 (Node 20.15 and 22.2 on; older
 *   Node 20 releases lack it and stay with WebAssembly): 1.1 µs for 4 KiB
 *   against 2.3 µs.
 */
import * as zlib from 'node:zlib';
import { wasmCrc32Update } from './crc32-wasm-update.js';

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
/** From this many bytes the WebAssembly loop beats the JavaScript one, copy into its memory included. */
const WASM_MIN_BYTES = 64;
/** From this many bytes native code beats the WebAssembly loop, crossing into it included. */
const NATIVE_MIN_BYTES = 512;

const TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[0]![i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 8; t++) {
      const prev = tables[t - 1]![i]!;
      tables[t]![i] = (tables[0]![prev & 0xff]! ^ (prev >>> 8)) >>> 0;
    }
  }
  return tables;
})();

function checkRange(data: Uint8Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > data.length) {
    throw new RangeError(`crc32: range ${start}..${end} is not inside ${data.length} bytes`);
  }
}

/**
 * Continues a CRC-32 over `data`, or over its bytes from `start` to `end`
 * (short ranges, a record header's, are read in place: no view is made of
 * them). Start with crc = 0.
 */
export function crc32Update(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  checkRange(data, start, end);
  const n = end - start;
  if (n < WASM_MIN_BYTES) return tableCrc32Range(crc, data, start, end);
  if (nativeCrc32 !== undefined && n >= NATIVE_MIN_BYTES) {
    return nativeCrc32(start === 0 && end === data.length ? data : data.subarray(start, end), crc) >>> 0;
  }
  return wasmCrc32Update(crc, data, start, end);
}

/** The JavaScript table version, also the reference the others are tested against. */
export function tableCrc32Update(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  checkRange(data, start, end);
  return tableCrc32Range(crc, data, start, end);
}

// Module constants rather than destructured per call: a record's header is a few bytes, so the setup is most of the call.
const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

function tableCrc32Range(crc: number, data: Uint8Array, start: number, end: number): number {
  let c = ~crc >>> 0;
  let i = start;
  const n = end;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 IEEE of `data`, as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  return crc32Update(0, data);
}
