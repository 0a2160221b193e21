import { hexByte } from '../bytes.js';
import { Reader } from './reader.js';

/** A msgpack extension value (type -128..127 and its payload). */
export interface MsgpackExt {
  readonly extType: number;
  readonly data: Uint8Array;
}

/** What `decodeAny` returns for each msgpack type. */
export type AnyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | AnyValue[]
  | Map<AnyValue, AnyValue>
  | MsgpackExt;

export interface AnyOptions {
  /** str values as raw bytes instead of UTF-8 decoded strings (Go writes []byte as str). Default false. */
  rawStrings?: boolean;
}

/**
 * Length of an ext value's payload and its header size, or -1 if `b` is not an ext type byte.
 * Reads the length bytes; leaves `pos` at the ext type byte.
 */
function readExtLength(r: Reader, b: number): number {
  switch (b) {
    case 0xd4: return 1;
    case 0xd5: return 2;
    case 0xd6: return 4;
    case 0xd7: return 8;
    case 0xd8: return 16;
    case 0xc7: return r.u8();
    case 0xc8: return r.u16();
    case 0xc9: return r.u32();
    default: return -1;
  }
}

/** Moves past one complete msgpack value of any type, however nested. */
export function skipAny(r: Reader): void {
  const start = r.pos;
  const b = r.peek();
  if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
    r.pos++;
    return;
  }
  if ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd) {
    const n = r.readArrayHeader();
    r.enter();
    for (let i = 0; i < n; i++) skipAny(r);
    r.leave();
    return;
  }
  if ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf) {
    const n = r.readMapHeader();
    r.enter();
    for (let i = 0; i < 2 * n; i++) skipAny(r);
    r.leave();
    return;
  }
  const rawLen = r.readRawHeader();
  if (rawLen >= 0) {
    r.pos += rawLen;
    return;
  }
  r.pos++;
  switch (b) {
    case 0xcc: case 0xd0: r.need(1); r.pos += 1; return;
    case 0xcd: case 0xd1: r.need(2); r.pos += 2; return;
    case 0xce: case 0xd2: case 0xca: r.need(4); r.pos += 4; return;
    case 0xcf: case 0xd3: case 0xcb: r.need(8); r.pos += 8; return;
  }
  const extLen = readExtLength(r, b);
  if (extLen < 0) r.fail('ERR_MSGPACK_TYPE', `invalid type byte 0x${hexByte(b)}`, start);
  checkExtLength(r, extLen, start);
  r.pos += 1 + extLen;
}

function checkExtLength(r: Reader, len: number, start: number): void {
  if (len > r.maxBytesLength) r.fail('ERR_MSGPACK_LIMIT', `ext of ${len} bytes exceeds limit ${r.maxBytesLength}`, start);
  r.need(1 + len);
}

/**
 * Decodes one value of any type without a schema. Integers beyond ±2^53 become bigint
 * (nothing is rejected for size); maps become `Map` because keys may be any type.
 */
export function readAny(r: Reader, options: AnyOptions = {}): AnyValue {
  const start = r.pos;
  const b = r.peek();
  if (b < 0x80) {
    r.pos++;
    return b;
  }
  if (b >= 0xe0) {
    r.pos++;
    return b - 0x100;
  }
  switch (b) {
    case 0xc0: r.pos++; return null;
    case 0xc2: r.pos++; return false;
    case 0xc3: r.pos++; return true;
    case 0xca: case 0xcb: return r.readFloat();
    case 0xcf: case 0xd3: {
      r.pos++;
      r.need(8);
      const v = b === 0xcf ? r.view.getBigUint64(r.pos) : r.view.getBigInt64(r.pos);
      r.pos += 8;
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : v;
    }
    case 0xcc: case 0xcd: case 0xce: case 0xd0: case 0xd1: case 0xd2:
      return r.readInteger(-Infinity, Infinity);
  }
  if ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd) {
    const n = r.readArrayHeader();
    r.enter();
    const out: AnyValue[] = [];
    for (let i = 0; i < n; i++) out.push(readAny(r, options));
    r.leave();
    return out;
  }
  if ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf) {
    const n = r.readMapHeader();
    r.enter();
    const out = new Map<AnyValue, AnyValue>();
    for (let i = 0; i < n; i++) {
      const k = readAny(r, options);
      out.set(k, readAny(r, options));
    }
    r.leave();
    return out;
  }
  const isBin = b === 0xc4 || b === 0xc5 || b === 0xc6;
  const rawLen = r.readRawHeader();
  if (rawLen >= 0) {
    return isBin || options.rawStrings ? r.readRawBytes(rawLen) : r.readUtf8(rawLen);
  }
  r.pos++;
  const extLen = readExtLength(r, b);
  if (extLen < 0) r.fail('ERR_MSGPACK_TYPE', `invalid type byte 0x${hexByte(b)}`, start);
  checkExtLength(r, extLen, start);
  const extType = r.view.getInt8(r.pos);
  r.pos++;
  return { extType, data: r.readRawBytes(extLen) };
}
