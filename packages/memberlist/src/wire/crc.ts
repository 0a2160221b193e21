import { crc32 } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';
import { MessageType } from './types.js';

/** Bytes the CRC wrapper adds: type byte + big-endian CRC-32. */
export const CRC_OVERHEAD = 5;

/** `[12][crc32 IEEE of msg, u32 BE][msg]` (spec §5.1 step 4). */
export function wrapCrc(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(CRC_OVERHEAD + msg.length);
  out[0] = MessageType.HasCrc;
  new DataView(out.buffer).setUint32(1, crc32(msg));
  out.set(msg, CRC_OVERHEAD);
  return out;
}

/** True when `buf` carries the CRC wrapper; the same test Go's ingestPacket makes. */
export function hasCrc(buf: Uint8Array): boolean {
  return buf.length >= CRC_OVERHEAD && buf[0] === MessageType.HasCrc;
}

/** Verifies and strips the CRC wrapper; the result is a view into `buf`. */
export function unwrapCrc(buf: Uint8Array): Uint8Array {
  if (!hasCrc(buf)) throw new WireError(WireErrorCode.Truncated, 'not a CRC-wrapped message');
  const expected = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1);
  const inner = buf.subarray(CRC_OVERHEAD);
  const actual = crc32(inner);
  if (actual !== expected) {
    throw new WireError(WireErrorCode.Crc, `CRC mismatch: computed ${hex32(actual)}, packet says ${hex32(expected)}`);
  }
  return inner;
}

const hex32 = (n: number): string => n.toString(16).padStart(8, '0');
