import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';
import { LZW_WASM_BASE64 } from './lzw-wasm.js';

// Go's compress/lzw with LSB bit order and 8-bit literals (GIF style), the
// codec of memberlist's compress messages. The work is done by lzw.wat (see
// there for why WebAssembly); lzw-reference.ts is the same algorithm in
// TypeScript, kept as the model the tests compare against.

/** Where lzw.wat's tables end and the input/output area begins. */
const IO_BASE = 163_840;
const PAGE = 65_536;
/** After a call that needed more, the instance is dropped so one huge message does not pin its memory. */
const KEEP_MEMORY_BYTES = 8 * 1024 * 1024;
const NO_LIMIT = 0x7fff_ffff;

// Node's WebAssembly global, typed here: TypeScript declares it only in the
// DOM library, which this package does not load.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface LzwExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  compress(input: number, n: number, out: number, limit: number): number;
  decompress(input: number, n: number, out: number, cap: number, max: number): number;
  badCode: { readonly value: number };
  badNext: { readonly value: number };
}

let compiled: object | undefined;
let instance: LzwExports | undefined;

function lzw(): LzwExports {
  if (instance === undefined) {
    compiled ??= new wasm.Module(Buffer.from(LZW_WASM_BASE64, 'base64'));
    instance = new wasm.Instance(compiled, {}).exports as LzwExports;
  }
  return instance;
}

/** Grows memory to hold `bytes` after IO_BASE (growing keeps what is there). */
function reserve(m: LzwExports, bytes: number): void {
  const need = IO_BASE + bytes;
  const have = m.memory.buffer.byteLength;
  if (need > have) m.memory.grow(Math.ceil((need - have) / PAGE));
}

/** Room for `bytes` after IO_BASE, with the input copied in at IO_BASE. */
function prepare(m: LzwExports, input: Uint8Array, bytes: number): void {
  reserve(m, bytes);
  new Uint8Array(m.memory.buffer, IO_BASE, input.length).set(input);
}

function release(m: LzwExports): void {
  if (m.memory.buffer.byteLength > KEEP_MEMORY_BYTES) instance = undefined;
}

/**
 * Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed
 * by Close. With `limit`, gives up (undefined) as soon as the output reaches
 * `limit` bytes: for a caller that only wants a result smaller than that.
 */
export function lzwCompress(input: Uint8Array): Uint8Array;
export function lzwCompress(input: Uint8Array, limit: number): Uint8Array | undefined;
export function lzwCompress(input: Uint8Array, limit = Infinity): Uint8Array | undefined {
  const m = lzw();
  const n = input.length;
  // Worst case: one 12-bit code per input byte, a 12-bit clear per 3,839 codes, and slack.
  const worst = ((n * 3) >>> 1) + (n >>> 10) + 64;
  prepare(m, input, n + worst);
  const out = IO_BASE + n;
  const length = m.compress(IO_BASE, n, out, limit >= NO_LIMIT ? NO_LIMIT : Math.ceil(limit));
  const result = length < 0 ? undefined : new Uint8Array(m.memory.buffer, out, length).slice();
  release(m);
  return result;
}

/**
 * Decompresses Go LSB/8 LZW. A stream without the EOF code is an error, as in
 * Go; so is output beyond `maxOutput` bytes (checked before each write, so a
 * bomb costs at most `maxOutput` bytes of memory). Bytes after EOF are ignored.
 */
export function lzwDecompress(input: Uint8Array, maxOutput: number = Limits.decompressedMaxBytes): Uint8Array {
  const m = lzw();
  const max = Math.max(0, Math.min(Math.floor(maxOutput), NO_LIMIT - IO_BASE - input.length));
  let cap = Math.min(max, Math.max(64, input.length * 4));
  prepare(m, input, input.length + cap);
  for (;;) {
    const out = IO_BASE + input.length;
    const length = m.decompress(IO_BASE, input.length, out, cap, max);
    if (length >= 0) {
      const result = new Uint8Array(m.memory.buffer, out, length).slice();
      release(m);
      return result;
    }
    if (length === -4) {
      // The input stays where it is; only the output area grows.
      cap = Math.min(max, cap * 2);
      reserve(m, input.length + cap);
      continue;
    }
    release(m);
    if (length === -1) throw new WireError(WireErrorCode.LzwUnexpectedEof, 'lzw: stream ended before the EOF code');
    if (length === -2) throw new WireError(WireErrorCode.LzwInvalidCode, `lzw: invalid code ${String(m.badCode.value)} (next is ${String(m.badNext.value)})`);
    throw new WireError(WireErrorCode.TooLarge, `lzw: decompressed output exceeds ${maxOutput} bytes`);
  }
}
