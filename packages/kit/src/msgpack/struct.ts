import { skipAny } from './any.js';
import type { Reader } from './reader.js';
import type { MsgType } from './types.js';
import type { Writer } from './writer.js';
import { utf8 } from '../bytes.js';

export interface FieldOptions {
  /**
   * Go `omitempty`: skip the key when the value is empty (0, "", false, nil/empty slice or
   * map, nil pointer). Such fields are optional in the inferred TS type; `undefined` counts as empty.
   */
  omitEmpty?: boolean;
}

/** One struct field: its Go name (the wire key), type and options. */
export interface Field<T, Optional extends boolean = boolean> {
  readonly goName: string;
  readonly type: MsgType<T>;
  readonly omitEmpty: Optional;
}

export function field<T>(goName: string, type: MsgType<T>, options: { omitEmpty: true }): Field<T, true>;
export function field<T>(goName: string, type: MsgType<T>, options?: FieldOptions): Field<T, false>;
export function field<T>(goName: string, type: MsgType<T>, options: FieldOptions = {}): Field<T> {
  return { goName, type, omitEmpty: options.omitEmpty ?? false };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = Field<any>;
type Fields = Record<string, AnyField>;
type FieldValue<F> = F extends Field<infer T> ? T : never;
type IsOptional<F> = F extends Field<infer T, infer O> ? (O extends true ? true : undefined extends T ? true : false) : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The object type of a struct schema: omitEmpty fields and fields admitting `undefined` are optional. */
export type StructValue<F extends Fields> = Simplify<
  { [K in keyof F as IsOptional<F[K]> extends true ? never : K]: FieldValue<F[K]> } & {
    [K in keyof F as IsOptional<F[K]> extends true ? K : never]?: FieldValue<F[K]>;
  }
>;

interface CompiledField {
  readonly prop: string;
  readonly goName: string;
  /** The key already encoded as msgpack (fixstr/str16 + UTF-8). */
  readonly keyBytes: Uint8Array;
  /** The key's UTF-8 bytes, for matching without decoding. */
  readonly name: Uint8Array;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly type: MsgType<any>;
  readonly omitEmpty: boolean;
}


function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function encodeKey(name: Uint8Array): Uint8Array {
  if (name.length < 32) return Uint8Array.of(0xa0 | name.length, ...name);
  if (name.length < 0x10000) return Uint8Array.of(0xda, name.length >> 8, name.length & 0xff, ...name);
  throw new RangeError('struct key longer than 65535 bytes');
}

/**
 * A Go struct as msgpack sees it: a map keyed by Go field name with keys in ascending
 * byte order (go-msgpack sorts them), or, on input only, an array in declaration order.
 * Use the schema itself as a field type to nest it.
 */
export class StructType<F extends Fields> implements MsgType<StructValue<F>> {
  readonly kind = 'struct';
  readonly fields: F;
  /** Declaration order (used for array-form input and for the shape of decoded objects). */
  private readonly declared: readonly CompiledField[];
  /** Wire order: ascending key bytes. */
  private readonly sorted: readonly CompiledField[];
  private readonly anyOmitEmpty: boolean;

  constructor(fields: F) {
    this.fields = fields;
    const declared: CompiledField[] = [];
    const seen = new Set<string>();
    for (const [prop, f] of Object.entries(fields)) {
      if (seen.has(f.goName)) throw new Error(`struct: duplicate Go field name ${f.goName}`);
      seen.add(f.goName);
      const name = utf8(f.goName);
      declared.push({ prop, goName: f.goName, keyBytes: encodeKey(name), name, type: f.type, omitEmpty: f.omitEmpty });
    }
    this.declared = declared;
    this.sorted = [...declared].sort((a, b) => compareBytes(a.name, b.name));
    this.anyOmitEmpty = declared.some((f) => f.omitEmpty);
  }

  encode(w: Writer, value: StructValue<F>): void {
    const v = value as Record<string, unknown>;
    const fields = this.sorted;
    let count = fields.length;
    if (this.anyOmitEmpty) {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        if (f.omitEmpty && isEmpty(f, v[f.prop])) count--;
      }
    }
    w.writeMapHeader(count);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const x = v[f.prop];
      if (f.omitEmpty && isEmpty(f, x)) continue;
      w.bytes(f.keyBytes);
      f.type.encode(w, x);
    }
  }

  decode(r: Reader): StructValue<F> {
    const out = this.zero() as Record<string, unknown>;
    if (r.tryNil()) return out as StructValue<F>;
    r.enter();
    if (r.nextIsArray()) {
      const n = r.readArrayHeader();
      const fields = this.declared;
      for (let i = 0; i < n; i++) {
        const f = fields[i];
        if (f === undefined) skipAny(r);
        else out[f.prop] = f.type.decode(r);
      }
    } else {
      const n = r.readMapHeader();
      const fields = this.sorted;
      let guess = 0;
      for (let i = 0; i < n; i++) {
        const keyStart = r.pos;
        const len = r.readRawHeader();
        if (len < 0) r.fail('ERR_MSGPACK_TYPE', 'struct map key is not a string', keyStart);
        const f = findField(r.buf, r.pos, len, fields, guess);
        r.pos += len;
        if (f < 0) {
          skipAny(r);
        } else {
          const cf = fields[f]!;
          out[cf.prop] = cf.type.decode(r);
          guess = f + 1;
        }
      }
    }
    r.leave();
    return out as StructValue<F>;
  }

  zero(): StructValue<F> {
    const out: Record<string, unknown> = {};
    for (const f of this.declared) out[f.prop] = f.type.zero();
    return out as StructValue<F>;
  }

  isEmpty(): boolean {
    return false;
  }
}

function isEmpty(f: CompiledField, x: unknown): boolean {
  return x == null || f.type.isEmpty(x);
}

/** Index of the field named by buf[start, start+len), trying `guess` first (Go sends keys sorted). */
function findField(buf: Uint8Array, start: number, len: number, fields: readonly CompiledField[], guess: number): number {
  const g = fields[guess];
  if (g !== undefined && nameEquals(g.name, buf, start, len)) return guess;
  for (let i = 0; i < fields.length; i++) {
    if (i !== guess && nameEquals(fields[i]!.name, buf, start, len)) return i;
  }
  return -1;
}

function nameEquals(name: Uint8Array, buf: Uint8Array, start: number, len: number): boolean {
  if (name.length !== len) return false;
  for (let i = 0; i < len; i++) if (name[i] !== buf[start + i]) return false;
  return true;
}

/** Declare a Go struct schema: `struct({ seqNo: field('SeqNo', t.uint32), ... })`. */
export function struct<F extends Fields>(fields: F): StructType<F> {
  return new StructType(fields);
}
