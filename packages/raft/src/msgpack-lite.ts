/**
 * The little msgpack raft needs before kit's schema codec lands: enough to
 * write and read Go's EncodeConfiguration and encodePeers bytes exactly.
 * Writes what go-msgpack writes (str family for strings and bytes, never
 * str8 or bin; smallest int form); reads every form go-msgpack may emit.
 * The reader is total: malformed input throws DecodeError, and nothing is
 * allocated from a length the input claims but does not hold.
 */
import { DecodeError } from './errors.js';

export class MsgpackWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
  }

  #be(value: number, bytes: number): void {
    this.#reserve(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      this.#buf[this.#len + i] = value % 256;
      value = Math.floor(value / 256);
    }
    this.#len += bytes;
  }

  mapHeader(n: number): void {
    if (n < 16) this.#byte(0x80 | n);
    else if (n < 0x10000) {
      this.#byte(0xde);
      this.#be(n, 2);
    }
    else {
      this.#byte(0xdf);
      this.#be(n, 4);
    }
  }

  arrayHeader(n: number): void {
    if (n < 16) this.#byte(0x90 | n);
    else if (n < 0x10000) {
      this.#byte(0xdc);
      this.#be(n, 2);
    }
    else {
      this.#byte(0xdd);
      this.#be(n, 4);
    }
  }

  nil(): void {
    this.#byte(0xc0);
  }

  /** Raw bytes with a str header, as go-msgpack's legacy mode writes both string and []byte. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n < 32) this.#byte(0xa0 | n);
    else if (n < 0x10000) {
      this.#byte(0xda);
      this.#be(n, 2);
    }
    else {
      this.#byte(0xdb);
      this.#be(n, 4);
    }
    this.#reserve(n);
    this.#buf.set(bytes, this.#len);
    this.#len += n;
  }

  str(text: string): void {
    this.raw(new TextEncoder().encode(text));
  }

  /** A signed Go int, in the smallest form go-msgpack picks. */
  int(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`not a safe integer: ${v}`);
    if (v >= 0 && v < 128) this.#byte(v);
    else if (v < 0 && v >= -32) this.#byte(0x100 + v);
    else if (v >= -128 && v < 128) {
      this.#byte(0xd0);
      this.#byte(v & 0xff);
    }
    else if (v >= -32768 && v < 32768) {
      this.#byte(0xd1);
      this.#be(v & 0xffff, 2);
    }
    else if (v >= -2147483648 && v < 2147483648) {
      this.#byte(0xd2);
      this.#be(v >>> 0, 4);
    }
    else {
      this.#byte(0xd3);
      const big = BigInt.asUintN(64, BigInt(v));
      this.#be(Number(big >> 32n), 4);
      this.#be(Number(big & 0xffffffffn), 4);
    }
  }

  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

export class MsgpackReader {
  readonly #buf: Uint8Array;
  #pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) throw new DecodeError(`msgpack: truncated input at byte ${this.#pos}`);
  }

  #u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  #be(bytes: number): number {
    this.#need(bytes);
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + this.#buf[this.#pos++]!;
    return v;
  }

  peekNil(): boolean {
    this.#need(1);
    return this.#buf[this.#pos] === 0xc0;
  }

  /** Map length, or null for nil. */
  mapHeader(): number | null {
    const b = this.#u8();
    if (b >= 0x80 && b <= 0x8f) return b & 0x0f;
    if (b === 0xde) return this.#be(2);
    if (b === 0xdf) return this.#be(4);
    if (b === 0xc0) return null;
    throw new DecodeError(`msgpack: expected a map, got byte 0x${b.toString(16)}`);
  }

  /** Array length, or null for nil. */
  arrayHeader(): number | null {
    const b = this.#u8();
    if (b >= 0x90 && b <= 0x9f) return b & 0x0f;
    if (b === 0xdc) return this.#be(2);
    if (b === 0xdd) return this.#be(4);
    if (b === 0xc0) return null;
    throw new DecodeError(`msgpack: expected an array, got byte 0x${b.toString(16)}`);
  }

  /** str or bin payload (nil reads as empty). */
  raw(): Uint8Array {
    const b = this.#u8();
    let n: number;
    if (b >= 0xa0 && b <= 0xbf) n = b & 0x1f;
    else if (b === 0xd9 || b === 0xc4) n = this.#be(1);
    else if (b === 0xda || b === 0xc5) n = this.#be(2);
    else if (b === 0xdb || b === 0xc6) n = this.#be(4);
    else if (b === 0xc0) return new Uint8Array(0);
    else throw new DecodeError(`msgpack: expected a string, got byte 0x${b.toString(16)}`);
    this.#need(n);
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  str(): string {
    return new TextDecoder().decode(this.raw());
  }

  /** Any msgpack integer form, as a safe integer. */
  int(): number {
    const b = this.#u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    let v: number;
    switch (b) {
      case 0xcc: return this.#be(1);
      case 0xcd: return this.#be(2);
      case 0xce: return this.#be(4);
      case 0xcf: v = this.#be(8); break;
      case 0xd0: v = this.#be(1); return v >= 0x80 ? v - 0x100 : v;
      case 0xd1: v = this.#be(2); return v >= 0x8000 ? v - 0x10000 : v;
      case 0xd2: v = this.#be(4); return v >= 0x80000000 ? v - 0x100000000 : v;
      case 0xd3: {
        this.#need(8);
        const view = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#pos, 8);
        this.#pos += 8;
        const big = view.getBigInt64(0);
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) throw new DecodeError('msgpack: integer out of safe range');
        return Number(big);
      }
      case 0xc0: return 0;
      default: throw new DecodeError(`msgpack: expected an integer, got byte 0x${b.toString(16)}`);
    }
    if (!Number.isSafeInteger(v)) throw new DecodeError('msgpack: integer out of safe range');
    return v;
  }

  /** Skips one value of any type (unknown map keys are ignored, as Go does). */
  skip(depth = 0): void {
    if (depth > 64) throw new DecodeError('msgpack: nesting too deep');
    const b = this.#u8();
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b >= 0x80 && b <= 0x8f) return this.#skipN((b & 0x0f) * 2, depth);
    if (b >= 0x90 && b <= 0x9f) return this.#skipN(b & 0x0f, depth);
    if (b >= 0xa0 && b <= 0xbf) return this.#advance(b & 0x1f);
    switch (b) {
      case 0xc4: case 0xd9: return this.#advance(this.#be(1));
      case 0xc5: case 0xda: return this.#advance(this.#be(2));
      case 0xc6: case 0xdb: return this.#advance(this.#be(4));
      case 0xcc: case 0xd0: return this.#advance(1);
      case 0xcd: case 0xd1: return this.#advance(2);
      case 0xce: case 0xd2: case 0xca: return this.#advance(4);
      case 0xcf: case 0xd3: case 0xcb: return this.#advance(8);
      case 0xd4: return this.#advance(2);
      case 0xd5: return this.#advance(3);
      case 0xd6: return this.#advance(5);
      case 0xd7: return this.#advance(9);
      case 0xd8: return this.#advance(17);
      case 0xc7: return this.#advance(this.#be(1) + 1);
      case 0xc8: return this.#advance(this.#be(2) + 1);
      case 0xc9: return this.#advance(this.#be(4) + 1);
      case 0xdc: return this.#skipN(this.#be(2), depth);
      case 0xdd: return this.#skipN(this.#be(4), depth);
      case 0xde: return this.#skipN(this.#be(2) * 2, depth);
      case 0xdf: return this.#skipN(this.#be(4) * 2, depth);
      default: throw new DecodeError(`msgpack: invalid byte 0x${b.toString(16)}`);
    }
  }

  #advance(n: number): void {
    this.#need(n);
    this.#pos += n;
  }

  #skipN(n: number, depth: number): void {
    for (let i = 0; i < n; i++) this.skip(depth + 1);
  }
}
