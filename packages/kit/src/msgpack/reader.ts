import { MsgpackDecodeError, type MsgpackDecodeCode } from './errors.js';
import { copyBytes, hexByte } from '../bytes.js';

export interface DecodeOptions {
  /** Deepest container nesting accepted (struct/array/map/ext levels). Default 64. */
  maxDepth?: number;
  /** Longest str/bin/ext payload accepted, in bytes. Default 64 MiB. */
  maxBytesLength?: number;
  /** Most elements in one array or entries in one map. Default 4 Mi. */
  maxContainerLength?: number;
  /**
   * Byte fields are copied out of the input by default, so the input buffer may be reused.
   * `false` returns views into the input (faster; only if the caller never reuses it).
   */
  copyBytes?: boolean;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_CONTAINER = 4 * 1024 * 1024;
const TWO_32 = 0x1_0000_0000;

const textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * A cursor over msgpack input. Schema types read through it; custom field codecs
 * (`t.custom`) get one too. Every read checks that the bytes are present and throws
 * `MsgpackDecodeError` ('ERR_MSGPACK_TRUNCATED' when the input simply ends early).
 */
export class Reader {
  readonly buf: Uint8Array;
  private dataView: DataView | undefined;
  pos: number;
  readonly end: number;
  depth = 0;
  readonly maxDepth: number;
  readonly maxBytesLength: number;
  readonly maxContainerLength: number;
  readonly copyBytes: boolean;

  constructor(buf: Uint8Array, offset = 0, options: DecodeOptions = {}) {
    this.buf = buf;
    this.pos = offset;
    this.end = buf.length;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxBytesLength = options.maxBytesLength ?? DEFAULT_MAX_BYTES;
    this.maxContainerLength = options.maxContainerLength ?? DEFAULT_MAX_CONTAINER;
    this.copyBytes = options.copyBytes ?? true;
  }

  /** A DataView over the input, created on first use (most messages never need one). */
  get view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  fail(code: MsgpackDecodeCode, message: string, at = this.pos): never {
    throw new MsgpackDecodeError(code, message, at);
  }

  /** Throws TRUNCATED unless `n` more bytes are present. */
  need(n: number): void {
    if (this.end - this.pos < n) this.fail('ERR_MSGPACK_TRUNCATED', `need ${n} more byte(s), have ${this.end - this.pos}`);
  }

  /** The next type byte without consuming it. */
  peek(): number {
    this.need(1);
    return this.buf[this.pos]!;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** Consumes a nil (0xc0) and returns true, or returns false and consumes nothing. */
  tryNil(): boolean {
    if (this.peek() === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  enter(): void {
    if (++this.depth > this.maxDepth) this.fail('ERR_MSGPACK_TOO_DEEP', `nesting deeper than ${this.maxDepth}`);
  }

  leave(): void {
    this.depth--;
  }

  /**
   * Reads any msgpack integer (fixint, 0xcc-0xcf, 0xd0-0xd3) and checks it lies in [min, max].
   * Values outside the safe-integer range are reported as overflow, not rounded.
   */
  readInteger(min: number, max: number): number {
    const start = this.pos;
    const b = this.u8();
    let v: number;
    if (b < 0x80) v = b;
    else if (b >= 0xe0) v = b - 0x100;
    else {
      switch (b) {
        case 0xcc: v = this.u8(); break;
        case 0xcd: v = this.u16(); break;
        case 0xce: v = this.u32(); break;
        case 0xcf: v = this.read64(false, start); break;
        case 0xd0: this.need(1); v = this.view.getInt8(this.pos); this.pos += 1; break;
        case 0xd1: this.need(2); v = this.view.getInt16(this.pos); this.pos += 2; break;
        case 0xd2: this.need(4); v = this.view.getInt32(this.pos); this.pos += 4; break;
        case 0xd3: v = this.read64(true, start); break;
        default: return this.fail('ERR_MSGPACK_TYPE', `expected an integer, got type byte 0x${hexByte(b)}`, start);
      }
    }
    if (v < min || v > max) {
      this.fail('ERR_MSGPACK_OVERFLOW', v < 0 && min === 0 ? `negative value ${v} for an unsigned field` : `integer ${v} outside [${min}, ${max}]`, start);
    }
    return v;
  }

  private read64(signed: boolean, start: number): number {
    this.need(8);
    const hi = signed ? this.view.getInt32(this.pos) : this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) {
      this.fail('ERR_MSGPACK_OVERFLOW', `64-bit integer beyond ±2^53 cannot be represented exactly`, start);
    }
    return v;
  }

  /** float32/float64, or any integer (as Go does for float fields). */
  readFloat(): number {
    const b = this.peek();
    if (b === 0xcb) {
      this.need(9);
      const v = this.view.getFloat64(this.pos + 1);
      this.pos += 9;
      return v;
    }
    if (b === 0xca) {
      this.need(5);
      const v = this.view.getFloat32(this.pos + 1);
      this.pos += 5;
      return v;
    }
    return this.readInteger(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  /** c2/c3, and fixint 0/1 like Go. */
  readBool(): boolean {
    const b = this.u8();
    if (b === 0xc3 || b === 0x01) return true;
    if (b === 0xc2 || b === 0x00) return false;
    return this.fail('ERR_MSGPACK_TYPE', `expected a bool, got type byte 0x${hexByte(b)}`, this.pos - 1);
  }

  /**
   * Reads the header of a str (fixstr, str8/16/32) or bin (bin8/16/32) value and checks that
   * the whole payload is present. Returns the payload length; the payload starts at `pos`.
   * Returns -1 (consuming nothing) if the next value is not in the str/bin family.
   */
  readRawHeader(): number {
    const start = this.pos;
    const b = this.peek();
    let len: number;
    if (b >= 0xa0 && b <= 0xbf) {
      len = b & 0x1f;
      this.pos++;
    } else {
      switch (b) {
        case 0xd9: case 0xc4: this.pos++; len = this.u8(); break;
        case 0xda: case 0xc5: this.pos++; len = this.u16(); break;
        case 0xdb: case 0xc6: this.pos++; len = this.u32(); break;
        default: return -1;
      }
    }
    if (len > this.maxBytesLength) {
      this.fail('ERR_MSGPACK_LIMIT', `byte string of ${len} bytes exceeds limit ${this.maxBytesLength}`, start);
    }
    this.need(len);
    return len;
  }

  /** A str or bin payload as bytes (copied unless `copyBytes: false`). */
  readRawBytes(len: number): Uint8Array {
    const p = this.pos;
    this.pos += len;
    return this.copyBytes ? copyBytes(this.buf, p, p + len) : this.buf.subarray(p, p + len);
  }

  /** A str or bin payload as a string; invalid UTF-8 becomes U+FFFD (see README note in index.ts). */
  readUtf8(len: number): string {
    const buf = this.buf;
    const p = this.pos;
    this.pos += len;
    if (len < 32) {
      // Short ASCII (node names, IDs) is far cheaper without TextDecoder.
      let s = '';
      for (let i = p; i < p + len; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return textDecoder.decode(buf.subarray(p, p + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(buf.subarray(p, p + len));
  }

  /** Array header: element count, -1 for nil, or throws TYPE. Checks the configured limit. */
  readArrayHeader(): number {
    return this.readContainerHeader(0x90, 0xdc, 'array');
  }

  /** Map header: entry count, -1 for nil, or throws TYPE. Checks the configured limit. */
  readMapHeader(): number {
    return this.readContainerHeader(0x80, 0xde, 'map');
  }

  /** Peeks whether the next value is an array (fixarray, 0xdc, 0xdd). */
  nextIsArray(): boolean {
    const b = this.peek();
    return (b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd;
  }

  private readContainerHeader(fix: number, b16: number, what: string): number {
    const start = this.pos;
    const b = this.u8();
    let n: number;
    if (b >= fix && b <= fix + 15) n = b & 0x0f;
    else if (b === b16) n = this.u16();
    else if (b === b16 + 1) n = this.u32();
    else if (b === 0xc0) return -1;
    else return this.fail('ERR_MSGPACK_TYPE', `expected ${what}, got type byte 0x${hexByte(b)}`, start);
    if (n > this.maxContainerLength) {
      this.fail('ERR_MSGPACK_LIMIT', `${what} of ${n} elements exceeds limit ${this.maxContainerLength}`, start);
    }
    // Every element takes at least one byte (two per map entry): wait for at least that many.
    this.need(fix === 0x80 ? n * 2 : n);
    return n;
  }
}

