import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tableCrc32Update } from './crc32.js';
import { CRC32_WASM_BASE64 } from './crc32-wasm.js';
import { wasmCrc32Update } from './crc32-wasm-update.js';

test('crc32-wasm.ts is crc32.wat assembled (run node scripts/build-wasm.mjs after editing crc32.wat)', async () => {
  // The assembler lives in the repository's scripts; plain .mjs, loaded at run time.
  const modules = (await import(new URL('../../../scripts/wasm-modules.mjs', import.meta.url).href)) as {
    assembleWat(source: string, name: string): Promise<Uint8Array>;
  };
  const source = readFileSync(fileURLToPath(new URL('./crc32.wat', import.meta.url)), 'utf8');
  const assembled = await modules.assembleWat(source, 'crc32.wat');
  assert.equal(Buffer.from(assembled).toString('base64'), CRC32_WASM_BASE64);
});

test('the WebAssembly loop agrees with the JavaScript one at every length and alignment up to 600 bytes', () => {
  const data = Uint8Array.from({ length: 700 }, (_, i) => (i * 167 + 13) & 0xff);
  for (let length = 0; length <= 600; length++) {
    for (const start of [0, 1, 3, 7]) {
      assert.equal(wasmCrc32Update(0, data, start, start + length), tableCrc32Update(0, data, start, start + length), `${start}+${length}`);
    }
  }
  assert.equal(wasmCrc32Update(0xdeadbeef, data, 5, 400), tableCrc32Update(0xdeadbeef, data, 5, 400), 'continued from a CRC');
});

test('an input larger than the module memory goes through it in pieces, one running CRC', () => {
  const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 9)) & 0xff);
  assert.equal(wasmCrc32Update(0, data, 0, data.length), tableCrc32Update(0, data));
  assert.equal(wasmCrc32Update(7, data, 12_345, 250_001), tableCrc32Update(7, data, 12_345, 250_001));
});
