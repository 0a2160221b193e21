import { readAny, skipAny, type AnyOptions, type AnyValue } from './any.js';
import { MsgpackDecodeError } from './errors.js';
import { Reader, type DecodeOptions } from './reader.js';
import type { MsgType } from './types.js';
import { Writer, type EncodeOptions } from './writer.js';

/** A value decoded from a stream and the offset just after it. */
export interface Decoded<T> {
  readonly needMore: false;
  readonly value: T;
  /** Offset of the first byte after the value. */
  readonly offset: number;
}

/** The input ends inside the value: wait for more bytes and call again from the same offset. */
export interface NeedMore {
  readonly needMore: true;
}

/** The single `NeedMore` result; compare with `===` or test `.needMore`. */
export const NEED_MORE: NeedMore = Object.freeze({ needMore: true });

export type DecodeStep<T> = Decoded<T> | NeedMore;

// Scratch writers for `encode`, one per option combination, so a call allocates only its result.
const scratch = new Map<string, Writer>();
let scratchBusy = false;

/** Encode one value to a fresh byte array. For framing or reuse, use `encodeInto` with a `Writer`. */
export function encode<T>(type: MsgType<T>, value: T, options?: EncodeOptions): Uint8Array {
  if (scratchBusy) {
    // Re-entered from a custom codec: use a private writer.
    const w = new Writer(options);
    type.encode(w, value);
    return w.toBytes();
  }
  const key = options === undefined ? '' : `${options.intStyle ?? ''}/${options.timeFormat ?? ''}`;
  let w = scratch.get(key);
  if (w === undefined) {
    w = new Writer(options);
    scratch.set(key, w);
  }
  scratchBusy = true;
  try {
    w.reset();
    type.encode(w, value);
    return w.toBytes();
  } finally {
    scratchBusy = false;
    // Don't pin a huge buffer after one big message.
    if (w.buf.length > 64 * 1024) scratch.delete(key);
  }
}

/** Append one encoded value to `w` (which carries the encode options). */
export function encodeInto<T>(w: Writer, type: MsgType<T>, value: T): void {
  type.encode(w, value);
}

/**
 * Decode exactly one value that fills `bytes`. Truncated input is ERR_MSGPACK_TRUNCATED and
 * leftover bytes are ERR_MSGPACK_TRAILING (Go would ignore them; use `decodeFrom` to allow them).
 */
export function decode<T>(type: MsgType<T>, bytes: Uint8Array, options?: DecodeOptions): T {
  const r = new Reader(bytes, 0, options);
  const v = type.decode(r);
  if (r.pos !== bytes.length) {
    throw new MsgpackDecodeError('ERR_MSGPACK_TRAILING', `${bytes.length - r.pos} byte(s) after the value`, r.pos);
  }
  return v;
}

function step<T>(read: (r: Reader) => T, bytes: Uint8Array, offset: number, options?: DecodeOptions): DecodeStep<T> {
  const r = new Reader(bytes, offset, options);
  try {
    const value = read(r);
    return { needMore: false, value, offset: r.pos };
  } catch (e) {
    if (e instanceof MsgpackDecodeError && e.code === 'ERR_MSGPACK_TRUNCATED') return NEED_MORE;
    throw e;
  }
}

/**
 * Incremental decode for streams without framing: decodes one value starting at `offset`.
 * Returns `{value, offset}` when the value is complete, `NEED_MORE` when the input ends
 * first (nothing is consumed; append bytes and retry from the same offset), and throws
 * `MsgpackDecodeError` for anything malformed. Claimed lengths above the limits in
 * `options` throw ERR_MSGPACK_LIMIT even before their bytes arrive.
 *
 * Each retry re-parses from `offset`. For large values arriving in many chunks, call
 * `skipValue` (no allocation) until it returns an end offset, then decode once.
 */
export function decodeFrom<T>(type: MsgType<T>, bytes: Uint8Array, offset: number, options?: DecodeOptions): DecodeStep<T> {
  return step((r) => type.decode(r), bytes, offset, options);
}

/** Offset just after the next complete value (of any type), or `NEED_MORE`. */
export function skipValue(bytes: Uint8Array, offset: number, options?: DecodeOptions): number | NeedMore {
  const s = step(
    (r) => {
      skipAny(r);
      return r.pos;
    },
    bytes,
    offset,
    options,
  );
  return s.needMore ? s : s.value;
}

/** Decode the next value without a schema (see `AnyValue`), or `NEED_MORE`. */
export function decodeAny(bytes: Uint8Array, offset: number, options?: DecodeOptions & AnyOptions): DecodeStep<AnyValue> {
  return step((r) => readAny(r, options), bytes, offset, options);
}
