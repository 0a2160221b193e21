import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LZW_WASM_BASE64 } from './lzw-wasm.js';

test('lzw-wasm.ts is lzw.wat assembled (run node scripts/build-wasm.mjs after editing lzw.wat)', async () => {
  // The assembler lives in the repository's scripts; plain .mjs, loaded at run time.
  const modules = (await import(new URL('../../../../scripts/wasm-modules.mjs', import.meta.url).href)) as {
    assembleWat(source: string, name: string): Promise<Uint8Array>;
  };
  const source = readFileSync(fileURLToPath(new URL('./lzw.wat', import.meta.url)), 'utf8');
  const assembled = await modules.assembleWat(source, 'lzw.wat');
  assert.equal(Buffer.from(assembled).toString('base64'), LZW_WASM_BASE64);
});
