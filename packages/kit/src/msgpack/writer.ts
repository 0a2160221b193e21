import { copyBytes } from '../bytes.js';
import { MsgpackEncodeError } from './errors.js';
import type { MsgType } from './types.js';

/**
 * How signed integer fields are written. Go's go-msgpack changed this between versions:
 * - `'v0.5'` (go-msgpack 0.5.5, used by memberlist 0.2.2 and raft 1.1.2): a non-negative
 *   signed value is written exactly like an unsigned one (fixint, 0xcc, 0xcd, 0xce, 0xcf).
 * - `'v2'` (go-msgpack/v2, memberlist ≥ 0.5.1, raft ≥ 1.6): fixint up to 127, otherwise the
 *   signed family 0xd1/0xd2/0xd3 (never 0xd0 for positives).
 * Negative values are identical in both: negative fixint ≥ -32, else 0xd0..0xd3.
 */
export type IntStyle = 'v0.5' | 'v2';

/** How `t.goTime` fields are written (see time.ts). */
export type TimeFormat =
  /** Go `time.MarshalBinary` 15/16-byte blob in a str; zero time is a blob too. go-msgpack 0.5.5 / raft default. */
  | 'binary'
  /** msgpack-timestamp payload (4/8/12 bytes) in a str; zero time is nil. go-msgpack 1.1.5 / MsgpackUseNewTimeFormat. */
  | 'builtin';

export interface EncodeOptions {
  /** Default `'v0.5'`, what memberlist 0.2.2 and raft 1.1.2 produce. */
  intStyle?: IntStyle;
  /** Default `'binary'`. */
  timeFormat?: TimeFormat;
}

const textEncoder = new TextEncoder();
const MAX_UINT32 = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;

/** Bytes the UTF-8 encoding of `s` takes, counting lone surrogates as U+FFFD (3) like TextEncoder. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * A growable byte buffer. Message framers append their own bytes around msgpack values
 * (`w.u8(type); w.encode(Ping, v); w.bytes(raw)`) and take one `Uint8Array` at the end.
 * Reuse one Writer per connection/packet loop with `reset()` to avoid reallocation.
 */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  /** Bytes written so far; `buf[0..length)` is the output. */
  length = 0;
  readonly intStyle: IntStyle;
  readonly timeFormat: TimeFormat;

  constructor(options: EncodeOptions & { initialCapacity?: number } = {}) {
    this.buf = new Uint8Array(Math.max(16, options.initialCapacity ?? 256));
    this.view = new DataView(this.buf.buffer);
    this.intStyle = options.intStyle ?? 'v0.5';
    this.timeFormat = options.timeFormat ?? 'binary';
  }

  /** Forget the contents, keep the capacity. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16be(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32be(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  /** Append raw bytes (no msgpack header). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n < 24) {
      // TypedArray.set has a fixed cost that dominates for struct keys and addresses.
      const buf = this.buf;
      let p = this.length;
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
      this.length = p;
    } else {
      this.buf.set(b, this.length);
      this.length += n;
    }
  }

  /** Append one msgpack value of the given schema type. */
  encode<T>(type: MsgType<T>, value: T): void {
    type.encode(this, value);
  }

  /** A copy of the bytes written so far (safe to keep after `reset()`). */
  toBytes(): Uint8Array {
    return copyBytes(this.buf, 0, this.length);
  }

  /**
   * A view of the bytes written so far, without copying; invalidated by the next write or
   * `reset()`. The cheapest way to hand a packet to a socket (which copies it anyway).
   */
  peekBytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  // ---- msgpack primitives, exactly as go-msgpack writes them ----

  writeNil(): void {
    this.u8(0xc0);
  }

  writeBool(b: boolean): void {
    this.u8(b ? 0xc3 : 0xc2);
  }

  writeFloat64(f: number): void {
    this.ensure(9);
    this.buf[this.length] = 0xcb;
    this.view.setFloat64(this.length + 1, f);
    this.length += 9;
  }

  /** Smallest of fixint / 0xcc / 0xcd / 0xce / 0xcf. `v` must be a non-negative safe integer. */
  writeUint(v: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.length;
    if (v < 0x80) b[p++] = v;
    else if (v < 0x100) {
      b[p++] = 0xcc;
      b[p++] = v;
    } else if (v < 0x10000) {
      b[p++] = 0xcd;
      this.view.setUint16(p, v);
      p += 2;
    } else if (v <= MAX_UINT32) {
      b[p++] = 0xce;
      this.view.setUint32(p, v);
      p += 4;
    } else {
      b[p++] = 0xcf;
      this.view.setUint32(p, Math.floor(v / TWO_32));
      this.view.setUint32(p + 4, v >>> 0);
      p += 8;
    }
    this.length = p;
  }

  /** A signed integer in this writer's {@link IntStyle}. `v` must be a safe integer. */
  writeInt(v: number): void {
    if (v >= 0) {
      if (this.intStyle === 'v0.5' || v < 0x80) {
        this.writeUint(v);
        return;
      }
      this.ensure(9);
      const p = this.length;
      if (v <= 0x7fff) {
        this.buf[p] = 0xd1;
        this.view.setInt16(p + 1, v);
        this.length = p + 3;
      } else if (v <= 0x7fff_ffff) {
        this.buf[p] = 0xd2;
        this.view.setInt32(p + 1, v);
        this.length = p + 5;
      } else {
        this.buf[p] = 0xd3;
        this.writeI64At(p + 1, v);
        this.length = p + 9;
      }
      return;
    }
    this.ensure(9);
    const p = this.length;
    if (v >= -32) {
      this.buf[p] = v & 0xff;
      this.length = p + 1;
    } else if (v >= -0x80) {
      this.buf[p] = 0xd0;
      this.view.setInt8(p + 1, v);
      this.length = p + 2;
    } else if (v >= -0x8000) {
      this.buf[p] = 0xd1;
      this.view.setInt16(p + 1, v);
      this.length = p + 3;
    } else if (v >= -0x8000_0000) {
      this.buf[p] = 0xd2;
      this.view.setInt32(p + 1, v);
      this.length = p + 5;
    } else {
      this.buf[p] = 0xd3;
      this.writeI64At(p + 1, v);
      this.length = p + 9;
    }
  }

  private writeI64At(p: number, v: number): void {
    const hi = Math.floor(v / TWO_32);
    this.view.setInt32(p, hi);
    this.view.setUint32(p + 4, v - hi * TWO_32);
  }

  /** Header of the raw/str family: fixstr, str16, str32 — never str8 (Go's WriteExt=false). */
  writeRawHeader(len: number): void {
    this.ensure(5);
    const p = this.length;
    if (len < 32) {
      this.buf[p] = 0xa0 | len;
      this.length = p + 1;
    } else if (len < 0x10000) {
      this.buf[p] = 0xda;
      this.view.setUint16(p + 1, len);
      this.length = p + 3;
    } else {
      this.buf[p] = 0xdb;
      this.view.setUint32(p + 1, len);
      this.length = p + 5;
    }
  }

  /** A Go `[]byte`: raw header + bytes; `undefined`/`null` is nil (0xc0) like a nil slice. */
  writeRaw(b: Uint8Array | undefined | null): void {
    if (b == null) {
      this.u8(0xc0);
      return;
    }
    this.writeRawHeader(b.length);
    this.bytes(b);
  }

  /** A Go `string`: raw header + UTF-8. */
  writeStr(s: string): void {
    const n = s.length;
    if (n < 32) {
      // Short strings (the common case: node names, keys): encode by hand, ASCII fast path.
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (s.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(1 + n);
        const b = this.buf;
        let p = this.length;
        b[p++] = 0xa0 | n;
        for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
        this.length = p;
        return;
      }
    }
    const len = utf8Length(s);
    this.writeRawHeader(len);
    this.ensure(len);
    const r = textEncoder.encodeInto(s, this.buf.subarray(this.length, this.length + len));
    this.length += r.written;
  }

  /** fixarray / 0xdc / 0xdd. */
  writeArrayHeader(len: number): void {
    this.writeContainerHeader(len, 0x90, 16, 0xdc);
  }

  /** fixmap / 0xde / 0xdf. */
  writeMapHeader(len: number): void {
    this.writeContainerHeader(len, 0x80, 16, 0xde);
  }

  private writeContainerHeader(len: number, fix: number, cutoff: number, b16: number): void {
    this.ensure(5);
    const p = this.length;
    if (len < cutoff) {
      this.buf[p] = fix | len;
      this.length = p + 1;
    } else if (len < 0x10000) {
      this.buf[p] = b16;
      this.view.setUint16(p + 1, len);
      this.length = p + 3;
    } else {
      this.buf[p] = b16 + 1;
      this.view.setUint32(p + 1, len);
      this.length = p + 5;
    }
  }
}

/** Throws unless `v` is an integer in [min, max]. */
export function checkInt(v: unknown, min: number, max: number, what: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_RANGE', `${what}: ${String(v)} is not an integer in [${min}, ${max}]`);
  }
}
