/**
 * crc32.wat's update, run from JavaScript: the input is copied into the
 * module's memory (a piece at a time when it is larger than the room there)
 * and summed in place. crc32.ts calls it for inputs of a record's size; it
 * is exported only to kit's own tests (the package index does not).
 */
import { CRC32_WASM_BASE64 } from './crc32-wasm.js';

/** Where crc32.wat's tables end and the input begins. */
const INPUT_AT = 8192;

// Node's WebAssembly global, typed here: TypeScript declares it only in the
// DOM library, which this package does not load.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface Crc32Exports {
  memory: { readonly buffer: ArrayBuffer };
  update(crc: number, at: number, n: number): number;
}

let update: Crc32Exports['update'] | undefined;
/** The module's input area; its memory never grows, so the view stays valid. */
let input: Uint8Array | undefined;

function instantiate(): void {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const exports = new wasm.Instance(new wasm.Module(Buffer.from(CRC32_WASM_BASE64, 'base64')), {}).exports as Crc32Exports;
  input = new Uint8Array(exports.memory.buffer, INPUT_AT);
  update = exports.update;
}

/** Continues a CRC-32 over data[start..end) (a range the caller has checked). */
export function wasmCrc32Update(crc: number, data: Uint8Array, start: number, end: number): number {
  if (update === undefined) instantiate();
  const room = input!.length;
  let c = crc;
  for (let at = start; at < end; at += room) {
    const n = Math.min(room, end - at);
    input!.set(data.subarray(at, at + n));
    c = update!(c, INPUT_AT, n);
  }
  return c >>> 0;
}
