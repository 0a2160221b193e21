import { MsgpackEncodeError } from './errors.js';
import { hexByte } from '../bytes.js';
import type { Reader } from './reader.js';
import { goTime } from './time.js';
import { checkInt, type Writer } from './writer.js';

/**
 * A msgpack field type: how one Go type is written and read. Implement this (via
 * `t.custom`) for types the built-ins do not cover.
 *
 * `decode` is called with the reader positioned at the value; it must consume exactly one
 * msgpack value. A nil (0xc0) must decode to `zero()` — Go sets a field to its zero value
 * when it receives nil.
 */
export interface MsgType<T> {
  readonly kind: string;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
  /** The value of an absent key (Go's zero value). Must return a fresh value for mutable types. */
  zero(): T;
  /** Go's `omitempty` test: 0, "", false, nil/empty slice or map, nil pointer. Structs never are. */
  isEmpty(value: T): boolean;
}

/** The TypeScript type a schema type produces. */
export type Infer<S> = S extends MsgType<infer T> ? T : never;

function typeError(r: Reader, expected: string): never {
  const b = r.peek();
  return r.fail('ERR_MSGPACK_TYPE', `expected ${expected}, got type byte 0x${hexByte(b)}`);
}

class UintType implements MsgType<number> {
  readonly kind: string;
  constructor(readonly bits: number, private readonly max: number) {
    this.kind = `uint${bits}`;
  }
  encode(w: Writer, v: number): void {
    checkInt(v, 0, this.max, this.kind);
    w.writeUint(v);
  }
  decode(r: Reader): number {
    return r.tryNil() ? 0 : r.readInteger(0, this.max);
  }
  zero(): number {
    return 0;
  }
  isEmpty(v: number): boolean {
    return v === 0;
  }
}

class IntType implements MsgType<number> {
  readonly kind: string;
  constructor(readonly bits: number, private readonly min: number, private readonly max: number) {
    this.kind = `int${bits}`;
  }
  encode(w: Writer, v: number): void {
    checkInt(v, this.min, this.max, this.kind);
    w.writeInt(v);
  }
  decode(r: Reader): number {
    return r.tryNil() ? 0 : r.readInteger(this.min, this.max);
  }
  zero(): number {
    return 0;
  }
  isEmpty(v: number): boolean {
    return v === 0;
  }
}

const strType: MsgType<string> = {
  kind: 'str',
  encode(w, v) {
    if (typeof v !== 'string') throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_TYPE', `str: got ${typeof v}`);
    w.writeStr(v);
  },
  decode(r) {
    if (r.tryNil()) return '';
    const len = r.readRawHeader();
    if (len < 0) typeError(r, 'a string');
    return r.readUtf8(len);
  },
  zero: () => '',
  isEmpty: (v) => v.length === 0,
};

function decodeIntArrayAsBytes(r: Reader): Uint8Array {
  const n = r.readArrayHeader();
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.readInteger(0, 0xff);
  return out;
}

const bytesType: MsgType<Uint8Array | undefined> = {
  kind: 'bytes',
  encode(w, v) {
    if (v != null && !(v instanceof Uint8Array)) {
      throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_TYPE', `bytes: got ${typeof v}`);
    }
    w.writeRaw(v);
  },
  decode(r) {
    if (r.tryNil()) return undefined;
    const len = r.readRawHeader();
    if (len >= 0) return r.readRawBytes(len);
    // Go decodes an array of small integers into []uint8 as well (e.g. Vsn).
    if (r.nextIsArray()) return decodeIntArrayAsBytes(r);
    return typeError(r, 'bytes');
  },
  zero: () => undefined,
  isEmpty: (v) => v == null || v.length === 0,
};

const boolType: MsgType<boolean> = {
  kind: 'bool',
  encode(w, v) {
    if (typeof v !== 'boolean') throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_TYPE', `bool: got ${typeof v}`);
    w.writeBool(v);
  },
  decode: (r) => (r.tryNil() ? false : r.readBool()),
  zero: () => false,
  isEmpty: (v) => !v,
};

const floatType: MsgType<number> = {
  kind: 'float64',
  encode(w, v) {
    if (typeof v !== 'number') throw new MsgpackEncodeError('ERR_MSGPACK_ENCODE_TYPE', `float64: got ${typeof v}`);
    w.writeFloat64(v);
  },
  decode: (r) => (r.tryNil() ? 0 : r.readFloat()),
  zero: () => 0,
  isEmpty: (v) => v === 0,
};

class ArrayType<T> implements MsgType<T[] | undefined> {
  readonly kind: string;
  constructor(readonly of: MsgType<T>) {
    this.kind = `array(${of.kind})`;
  }
  encode(w: Writer, v: T[] | undefined): void {
    if (v == null) {
      w.writeNil();
      return;
    }
    w.writeArrayHeader(v.length);
    for (let i = 0; i < v.length; i++) this.of.encode(w, v[i] as T);
  }
  decode(r: Reader): T[] | undefined {
    const n = r.readArrayHeader();
    if (n < 0) return undefined;
    r.enter();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(this.of.decode(r));
    r.leave();
    return out;
  }
  zero(): T[] | undefined {
    return undefined;
  }
  isEmpty(v: T[] | undefined): boolean {
    return v == null || v.length === 0;
  }
}

class MapType<K, V> implements MsgType<Map<K, V> | undefined> {
  readonly kind: string;
  constructor(readonly key: MsgType<K>, readonly value: MsgType<V>) {
    this.kind = `map(${key.kind},${value.kind})`;
  }
  encode(w: Writer, v: Map<K, V> | undefined): void {
    if (v == null) {
      w.writeNil();
      return;
    }
    // Go iterates maps in random order; we write insertion order (any order decodes the same).
    w.writeMapHeader(v.size);
    for (const [k, x] of v) {
      this.key.encode(w, k);
      this.value.encode(w, x);
    }
  }
  decode(r: Reader): Map<K, V> | undefined {
    const n = r.readMapHeader();
    if (n < 0) return undefined;
    r.enter();
    const out = new Map<K, V>();
    for (let i = 0; i < n; i++) {
      const k = this.key.decode(r);
      out.set(k, this.value.decode(r));
    }
    r.leave();
    return out;
  }
  zero(): Map<K, V> | undefined {
    return undefined;
  }
  isEmpty(v: Map<K, V> | undefined): boolean {
    return v == null || v.size === 0;
  }
}

class NullableType<T> implements MsgType<T | undefined> {
  readonly kind: string;
  constructor(readonly inner: MsgType<T>) {
    this.kind = `nullable(${inner.kind})`;
  }
  encode(w: Writer, v: T | undefined): void {
    if (v == null) w.writeNil();
    else this.inner.encode(w, v);
  }
  decode(r: Reader): T | undefined {
    return r.tryNil() ? undefined : this.inner.decode(r);
  }
  zero(): T | undefined {
    return undefined;
  }
  isEmpty(v: T | undefined): boolean {
    return v == null;
  }
}

/** Spec for `t.custom`; `zero` and `isEmpty` default to `undefined` and "is undefined/null". */
export interface CustomTypeSpec<T> {
  kind: string;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
  zero?: () => T;
  isEmpty?: (value: T) => boolean;
}

function custom<T>(spec: CustomTypeSpec<T>): MsgType<T> {
  const zero = spec.zero ?? ((): T => undefined as T);
  const isEmpty = spec.isEmpty ?? ((v: T): boolean => v == null);
  return { kind: spec.kind, encode: spec.encode, decode: spec.decode, zero, isEmpty };
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const uint64Type: MsgType<number> = new UintType(64, MAX_SAFE);
const int64Type: MsgType<number> = new IntType(64, -MAX_SAFE, MAX_SAFE);

/** Built-in field types. Integer types check their Go range on encode and decode. */
export const t = {
  /** Go `string`: written as str (fixstr/str16/str32); decodes from str or bin; nil → "". */
  str: strType,
  /** Go `[]byte`: written as str; `undefined` ⇄ nil (0xc0). Decodes str, bin, or an int array. */
  bytes: bytesType,
  bool: boolType,
  /** Go `float64` (0xcb). Decodes float32, float64 and integers. */
  float: floatType,
  uint8: new UintType(8, 0xff) as MsgType<number>,
  uint16: new UintType(16, 0xffff) as MsgType<number>,
  uint32: new UintType(32, 0xffff_ffff) as MsgType<number>,
  /** Go `uint64`, limited to 2^53-1 (larger values → ERR_MSGPACK_OVERFLOW). */
  uint64: uint64Type,
  /** Alias of `uint64`. */
  uint: uint64Type,
  int8: new IntType(8, -0x80, 0x7f) as MsgType<number>,
  int16: new IntType(16, -0x8000, 0x7fff) as MsgType<number>,
  int32: new IntType(32, -0x8000_0000, 0x7fff_ffff) as MsgType<number>,
  /** Go `int64`/`int` (64-bit), limited to ±(2^53-1). Written per the writer's IntStyle. */
  int64: int64Type,
  /** Alias of `int64`. */
  int: int64Type,
  /** Go slice `[]T`: `undefined` ⇄ nil. */
  array: <T>(of: MsgType<T>): MsgType<T[] | undefined> => new ArrayType(of),
  /** Go `map[K]V`: `undefined` ⇄ nil. */
  map: <K, V>(key: MsgType<K>, value: MsgType<V>): MsgType<Map<K, V> | undefined> => new MapType(key, value),
  /** Go pointer `*T`: `undefined` ⇄ nil. */
  nullable: <T>(inner: MsgType<T>): MsgType<T | undefined> => new NullableType(inner),
  /** Go `time.Time` (see time.ts): encoded per the writer's `timeFormat`, decodes both forms. */
  goTime,
  /** Escape hatch: your own encode/decode for one Go type. */
  custom,
};
