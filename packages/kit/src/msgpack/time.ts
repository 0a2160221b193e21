import { MsgpackEncodeError } from './errors.js';
import type { Reader } from './reader.js';
import type { MsgType } from './types.js';
import type { Writer } from './writer.js';

/**
 * A Go `time.Time` as it crosses the wire: an instant with nanosecond precision plus the
 * zone offset it was recorded in (Go keeps it and raft writes it).
 */
export interface GoTime {
  /** Whole seconds since 1970-01-01T00:00:00Z (may be negative; Go's zero time is year 1). */
  readonly unixSec: number;
  /** Nanoseconds within the second, 0..999 999 999. */
  readonly nsec: number;
  /** Zone offset east of UTC in seconds; `undefined` means Go's UTC location. */
  readonly utcOffsetSec?: number;
}

/** Seconds from 0001-01-01 (Go's internal epoch) to 1970-01-01. */
const SECONDS_YEAR1_TO_UNIX = 62_135_596_800;
const TWO_32 = 0x1_0000_0000;
const TWO_34 = 0x4_0000_0000;

/** Go's zero `time.Time{}`: 0001-01-01T00:00:00Z. */
export const GO_ZERO_TIME: GoTime = Object.freeze({ unixSec: -SECONDS_YEAR1_TO_UNIX, nsec: 0 });

export function isGoZeroTime(v: GoTime): boolean {
  return v.unixSec === -SECONDS_YEAR1_TO_UNIX && v.nsec === 0;
}

/** Millisecond-precision conversion from a JS Date (UTC location). */
export function goTimeFromDate(d: Date): GoTime {
  const ms = d.getTime();
  const unixSec = Math.floor(ms / 1000);
  return { unixSec, nsec: (ms - unixSec * 1000) * 1_000_000 };
}

/** To a JS Date (truncated to milliseconds; the zone offset is dropped). */
export function goTimeToDate(v: GoTime): Date {
  return new Date(v.unixSec * 1000 + Math.floor(v.nsec / 1_000_000));
}

function invalid(r: Reader, at: number, message: string): never {
  return r.fail('ERR_MSGPACK_INVALID', `time.Time: ${message}`, at);
}

/** Go `Time.UnmarshalBinary` (versions 1 and 2). */
function decodeBinary(r: Reader, p: number, len: number, at: number): GoTime {
  const v = r.view;
  const version = r.buf[p];
  if (!((version === 1 && len === 15) || (version === 2 && len === 16))) {
    invalid(r, at, `unsupported binary form (version ${String(version)}, ${len} bytes)`);
  }
  const sec = v.getInt32(p + 1) * TWO_32 + v.getUint32(p + 5);
  const unixSec = sec - SECONDS_YEAR1_TO_UNIX;
  if (!Number.isSafeInteger(sec) || !Number.isSafeInteger(unixSec)) invalid(r, at, 'seconds beyond ±2^53');
  const nsec = v.getInt32(p + 9);
  if (nsec < 0 || nsec > 999_999_999) invalid(r, at, `nanoseconds ${nsec} out of range`);
  const offsetMin = v.getInt16(p + 13);
  if (offsetMin === -1) return { unixSec, nsec };
  const extraSec = version === 2 ? v.getInt8(p + 15) : 0;
  return { unixSec, nsec, utcOffsetSec: offsetMin * 60 + extraSec };
}

/** The msgpack-timestamp payloads (4, 8 or 12 bytes) go-msgpack 1.1.5 writes as raw. */
function decodeTimestamp(r: Reader, p: number, len: number, at: number): GoTime {
  const v = r.view;
  let unixSec: number;
  let nsec: number;
  if (len === 4) {
    unixSec = v.getUint32(p);
    nsec = 0;
  } else if (len === 8) {
    const hi = v.getUint32(p);
    nsec = Math.floor(hi / 4); // top 30 bits
    unixSec = (hi & 3) * TWO_32 + v.getUint32(p + 4);
  } else {
    nsec = v.getUint32(p);
    unixSec = v.getInt32(p + 4) * TWO_32 + v.getUint32(p + 8);
    if (!Number.isSafeInteger(unixSec)) invalid(r, at, 'seconds beyond ±2^53');
  }
  if (nsec > 999_999_999) invalid(r, at, `nanoseconds ${nsec} out of range`);
  return { unixSec, nsec };
}

function encodeBinary(w: Writer, t: GoTime): void {
  const sec = t.unixSec + SECONDS_YEAR1_TO_UNIX;
  let offsetMin = -1;
  let extraSec = 0;
  if (t.utcOffsetSec !== undefined) {
    offsetMin = Math.trunc(t.utcOffsetSec / 60);
    extraSec = t.utcOffsetSec % 60;
    if (offsetMin === -1 || offsetMin < -32768 || offsetMin > 32767) {
      throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_RANGE', `time.Time: zone offset ${t.utcOffsetSec}s not representable`);
    }
  }
  const len = extraSec === 0 ? 15 : 16;
  w.writeRawHeader(len);
  w.ensure(len);
  const v = w.view;
  const p = w.length;
  w.buf[p] = len === 15 ? 1 : 2;
  const hi = Math.floor(sec / TWO_32);
  v.setInt32(p + 1, hi);
  v.setUint32(p + 5, sec - hi * TWO_32);
  v.setUint32(p + 9, t.nsec);
  v.setInt16(p + 13, offsetMin);
  if (len === 16) v.setInt8(p + 15, extraSec);
  w.length = p + len;
}

function encodeTimestamp(w: Writer, t: GoTime): void {
  if (isGoZeroTime(t)) {
    w.writeNil();
    return;
  }
  const { unixSec: sec, nsec } = t;
  if (sec >= 0 && sec < TWO_34) {
    if (nsec === 0 && sec < TWO_32) {
      w.writeRawHeader(4);
      w.u32be(sec);
      return;
    }
    w.writeRawHeader(8);
    w.ensure(8);
    const v = w.view; // after ensure(): growing replaces the buffer and its view
    const hiSec = Math.floor(sec / TWO_32);
    v.setUint32(w.length, nsec * 4 + hiSec);
    v.setUint32(w.length + 4, sec - hiSec * TWO_32);
    w.length += 8;
    return;
  }
  w.writeRawHeader(12);
  w.ensure(12);
  const v = w.view;
  const hi = Math.floor(sec / TWO_32);
  v.setUint32(w.length, nsec);
  v.setInt32(w.length + 4, hi);
  v.setUint32(w.length + 8, sec - hi * TWO_32);
  w.length += 12;
}

function checkTime(t: GoTime): void {
  if (
    t == null ||
    !Number.isSafeInteger(t.unixSec) ||
    !Number.isSafeInteger(t.unixSec + SECONDS_YEAR1_TO_UNIX) ||
    !Number.isInteger(t.nsec) ||
    t.nsec < 0 ||
    t.nsec > 999_999_999 ||
    (t.utcOffsetSec !== undefined && !Number.isInteger(t.utcOffsetSec))
  ) {
    throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_RANGE', `time.Time: invalid value ${JSON.stringify(t)}`);
  }
}

/**
 * Go `time.Time` field. Encodes in the writer's `timeFormat` ('binary' by default: the
 * 15-byte MarshalBinary blob raft 1.1.2 writes; 'builtin': 4/8/12-byte payload, nil for the
 * zero time). Decodes either form, nil (zero time), and a real msgpack timestamp ext (-1).
 * Missing key → `GO_ZERO_TIME`.
 */
export const goTime: MsgType<GoTime> = {
  kind: 'goTime',
  encode(w, value) {
    checkTime(value);
    if (w.timeFormat === 'builtin') encodeTimestamp(w, value);
    else encodeBinary(w, value);
  },
  decode(r) {
    const at = r.pos;
    if (r.tryNil()) return GO_ZERO_TIME;
    const b = r.peek();
    // msgpack timestamp extension: fixext4/fixext8 or ext8 with length 12, type -1.
    if (b === 0xd6 || b === 0xd7 || b === 0xc7) {
      r.pos++;
      const len = b === 0xd6 ? 4 : b === 0xd7 ? 8 : r.u8();
      r.need(1 + len);
      const extType = r.buf[r.pos];
      if (extType !== 0xff || (len !== 4 && len !== 8 && len !== 12)) invalid(r, at, `unexpected ext type/length`);
      const out = decodeTimestamp(r, r.pos + 1, len, at);
      r.pos += 1 + len;
      return out;
    }
    const len = r.readRawHeader();
    if (len < 0) return r.fail('ERR_MSGPACK_TYPE', `time.Time: expected raw bytes, got type byte 0x${b.toString(16)}`, at);
    const p = r.pos;
    let out: GoTime;
    if (len === 15 || len === 16) out = decodeBinary(r, p, len, at);
    else if (len === 4 || len === 8 || len === 12) out = decodeTimestamp(r, p, len, at);
    else return invalid(r, at, `expected 4, 8, 12, 15 or 16 bytes, got ${len}`);
    r.pos = p + len;
    return out;
  },
  zero: () => GO_ZERO_TIME,
  isEmpty: () => false,
};
