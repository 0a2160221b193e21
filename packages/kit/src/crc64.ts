/**
 * CRC-64 with the ECMA-182 polynomial, reflected, as Go's hash/crc64 computes
 * it with `crc64.MakeTable(crc64.ECMA)` (also known as CRC-64/XZ). Go raft's
 * FileSnapshotStore checks state.bin with it. The 64-bit register is kept as
 * two unsigned 32-bit halves so the hot loop stays on small integers; BigInt
 * appears only at the edges. Slice-by-8 tables, as Go uses for long inputs.
 */

/** The reflected ECMA-182 polynomial, split into halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

/** TABLES_HI[t][b] / TABLES_LO[t][b]: the register after byte b and then t zero bytes. */
const [TABLES_HI, TABLES_LO] = ((): [Uint32Array[], Uint32Array[]] => {
  const hi = Array.from({ length: 8 }, () => new Uint32Array(256));
  const lo = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ POLY_HI) >>> 0;
        l = (l ^ POLY_LO) >>> 0;
      }
    }
    hi[0]![i] = h;
    lo[0]![i] = l;
  }
  for (let t = 1; t < 8; t++) {
    for (let i = 0; i < 256; i++) {
      const h = hi[t - 1]![i]!;
      const l = lo[t - 1]![i]!;
      const b = l & 0xff;
      hi[t]![i] = (hi[0]![b]! ^ (h >>> 8)) >>> 0;
      lo[t]![i] = (lo[0]![b]! ^ ((l >>> 8) | (h << 24))) >>> 0;
    }
  }
  return [hi, lo];
})();

/** A CRC-64 register as two unsigned 32-bit halves. */
export interface Crc64Halves {
  hi: number;
  lo: number;
}

/** Continues a CRC-64/ECMA held as halves over `data` (start from `{ hi: 0, lo: 0 }`). */
export function crc64UpdateHalves(crc: Crc64Halves, data: Uint8Array): Crc64Halves {
  const [h0, h1, h2, h3, h4, h5, h6, h7] = TABLES_HI as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  const [l0, l1, l2, l3, l4, l5, l6, l7] = TABLES_LO as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let hi = ~crc.hi >>> 0;
  let lo = ~crc.lo >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const a = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    const b = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
    const a0 = a & 0xff, a1 = (a >>> 8) & 0xff, a2 = (a >>> 16) & 0xff, a3 = a >>> 24;
    const b0 = b & 0xff, b1 = (b >>> 8) & 0xff, b2 = (b >>> 16) & 0xff, b3 = b >>> 24;
    hi = h7[a0]! ^ h6[a1]! ^ h5[a2]! ^ h4[a3]! ^ h3[b0]! ^ h2[b1]! ^ h1[b2]! ^ h0[b3]!;
    lo = l7[a0]! ^ l6[a1]! ^ l5[a2]! ^ l4[a3]! ^ l3[b0]! ^ l2[b1]! ^ l1[b2]! ^ l0[b3]!;
  }
  for (; i < n; i++) {
    const b = (lo ^ data[i]!) & 0xff;
    lo = l0[b]! ^ ((lo >>> 8) | (hi << 24));
    hi = h0[b]! ^ (hi >>> 8);
  }
  return { hi: ~hi >>> 0, lo: ~lo >>> 0 };
}

function toHalves(crc: bigint): Crc64Halves {
  return { hi: Number((crc >> 32n) & 0xffffffffn), lo: Number(crc & 0xffffffffn) };
}

function fromHalves(crc: Crc64Halves): bigint {
  return (BigInt(crc.hi) << 32n) | BigInt(crc.lo);
}

/** Continues a CRC-64/ECMA over `data`; start with crc = 0n. */
export function crc64Update(crc: bigint, data: Uint8Array): bigint {
  return fromHalves(crc64UpdateHalves(toHalves(crc), data));
}

/** CRC-64/ECMA of `data`, as Go's crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)). */
export function crc64(data: Uint8Array): bigint {
  return crc64Update(0n, data);
}

/** The 8 big-endian bytes of a CRC-64, as Go's hash.Hash64 Sum(nil) returns them. */
export function crc64Bytes(crc: bigint | Crc64Halves): Uint8Array {
  const { hi, lo } = typeof crc === 'bigint' ? toHalves(crc) : crc;
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return out;
}
