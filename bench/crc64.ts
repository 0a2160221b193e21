// CRC-64/ECMA throughput (Go raft checks every snapshot's state.bin with it, so
// a large snapshot is hashed once when written and once when opened).
// Run: node --conditions=source --import tsx bench/crc64.ts [--quick]
// Prints {"bench":"crc64","chunk_bytes":...,"total_mib":...,"mb_per_s":...} per chunk size,
// with crc32 (slice-by-8, same shape) beside it as the reference.
import { crc32Update, crc64UpdateHalves } from '@shoal/kit';

const quick = process.argv.includes('--quick');
const totalMiB = quick ? 16 : 64;

function measure(name: string, chunkBytes: number, step: (chunk: Uint8Array) => void): void {
  const chunk = Uint8Array.from({ length: chunkBytes }, (_, i) => (i * 31 + 7) & 0xff);
  const rounds = (totalMiB * 1024 * 1024) / chunkBytes;
  for (let i = 0; i < Math.min(rounds, 64); i++) step(chunk); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) step(chunk);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ bench: name, chunk_bytes: chunkBytes, total_mib: totalMiB, ms: Math.round(ms), mb_per_s: Math.round((totalMiB * 1.048576) / (ms / 1000)) }));
}

for (const chunkBytes of [64 * 1024, 1024 * 1024]) {
  let crc = { hi: 0, lo: 0 };
  measure('crc64', chunkBytes, (chunk) => {
    crc = crc64UpdateHalves(crc, chunk);
  });
  let c32 = 0;
  measure('crc32', chunkBytes, (chunk) => {
    c32 = crc32Update(c32, chunk);
  });
  if (crc.hi === 0.5 || c32 === 0.5) console.log('unreachable');
}
