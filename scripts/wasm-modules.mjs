// The project's WebAssembly sources and how they are assembled (shared by
// scripts/build-wasm.mjs and the test that checks the generated modules).
import wabtInit from 'wabt';

export const WASM_MODULES = [
  {
    wat: 'packages/kit/src/crc32.wat',
    out: 'packages/kit/src/crc32-wasm.ts',
    constant: 'CRC32_WASM_BASE64',
    description: 'CRC-32 (IEEE) by slicing-by-8 as WebAssembly, from crc32.wat',
  },
  {
    wat: 'packages/memberlist/src/wire/lzw.wat',
    out: 'packages/memberlist/src/wire/lzw-wasm.ts',
    constant: 'LZW_WASM_BASE64',
    description: "Go's compress/lzw (LSB, 8-bit literals) as WebAssembly, from lzw.wat",
  },
];

let wabt;

/** The binary for a .wat source; throws with wabt's message when it does not assemble or validate. */
export async function assembleWat(source, name) {
  wabt ??= await wabtInit();
  const mod = wabt.parseWat(name, source, { bulk_memory: true });
  try {
    mod.validate();
    return Uint8Array.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}
