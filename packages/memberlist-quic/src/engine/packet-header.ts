// Pure QUIC (RFC 9000 §17) header reading for routing: enough to find the
// destination connection ID without a native call, and to tell whether a
// datagram of coalesced packets holds a 1-RTT (short header) packet. Total:
// any byte string gives a result or null, never an exception.

export const PACKET_INITIAL = 0;
export const PACKET_ZERO_RTT = 1;
export const PACKET_HANDSHAKE = 2;
export const PACKET_RETRY = 3;

export interface RouteInfo {
  long: boolean;
  /** Destination connection ID as a latin1 string (a Map key). */
  dcidKey: string;
  /** Long header only: version, and packet type (PACKET_*). */
  version: number;
  type: number;
}

/** The routing view of a datagram's first packet; null when it cannot be QUIC. `shortCidLen` is our connection-ID length. */
export function readRoute(data: Uint8Array, shortCidLen: number): RouteInfo | null {
  const n = data.length;
  if (n < 1) return null;
  const b0 = data[0]!;
  if ((b0 & 0x80) === 0) {
    // Short header: fixed bit set, then our connection ID.
    if ((b0 & 0x40) === 0 || n < 1 + shortCidLen + 1) return null;
    return { long: false, dcidKey: latin1(data, 1, 1 + shortCidLen), version: 1, type: -1 };
  }
  if (n < 7) return null;
  const version = ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0;
  const dcidLen = data[5]!;
  if (dcidLen > 20 || n < 6 + dcidLen + 1) return null;
  const scidLen = data[6 + dcidLen]!;
  if (scidLen > 20 || n < 7 + dcidLen + scidLen) return null;
  return { long: true, dcidKey: latin1(data, 6, 6 + dcidLen), version, type: (b0 & 0x30) >> 4 };
}

/** True when some packet of the (possibly coalesced) datagram has a short header. */
export function hasShortHeaderPacket(data: Uint8Array): boolean {
  let off = 0;
  const n = data.length;
  while (off < n) {
    const b0 = data[off]!;
    if ((b0 & 0x80) === 0) return (b0 & 0x40) !== 0;
    if (off + 7 > n) return false;
    const version = ((data[off + 1]! << 24) | (data[off + 2]! << 16) | (data[off + 3]! << 8) | data[off + 4]!) >>> 0;
    if (version === 0) return false;
    const type = (b0 & 0x30) >> 4;
    if (type === PACKET_RETRY) return false;
    let p = off + 5;
    const dcidLen = data[p]!;
    p += 1 + dcidLen;
    if (p >= n) return false;
    const scidLen = data[p]!;
    p += 1 + scidLen;
    if (type === PACKET_INITIAL) {
      const tok = readVarint(data, p);
      if (tok === null) return false;
      p = tok.next + tok.value;
    }
    const len = readVarint(data, p);
    if (len === null) return false;
    off = len.next + len.value;
  }
  return false;
}

/** A QUIC variable-length integer at `off`; null when truncated. Values above 2^53 are clamped (only lengths are read). */
export function readVarint(data: Uint8Array, off: number): { value: number; next: number } | null {
  if (off >= data.length) return null;
  const b = data[off]!;
  const size = 1 << (b >> 6);
  if (off + size > data.length) return null;
  let v = b & 0x3f;
  for (let i = 1; i < size; i++) v = v * 256 + data[off + i]!;
  return { value: Math.min(v, Number.MAX_SAFE_INTEGER), next: off + size };
}

function latin1(data: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(data[i]!);
  return s;
}
