/**
 * Copies small payloads into shared slabs: allocating a small Uint8Array costs
 * about a microsecond in V8 (its own backing store), a view into a slab a
 * fifth of that. The price is that a retained payload keeps its slab (64 KiB)
 * alive; payloads above 4 KiB get their own buffer.
 *
 * Not kit's copyBytes on purpose: that one returns exclusively owned buffers
 * (byteOffset 0) because protocol code may read `.buffer`; the simulator owns
 * these copies and only hands out views, so it can take the faster slab.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_COPY = 4 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let used = 0;

/** A private copy of `data` (possibly a view into a shared slab). */
export function copyToSlab(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n > SLAB_MAX_COPY) return data.slice();
  if (used + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const start = used;
  used += (n + 7) & ~7; // keep views 8-byte aligned
  slab.set(data, start);
  return slab.subarray(start, start + n);
}
