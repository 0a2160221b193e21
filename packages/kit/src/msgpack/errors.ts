import { ShoalError } from '../errors.js';

/** Stable codes carried by {@link MsgpackDecodeError}. */
export type MsgpackDecodeCode =
  /** The input ends inside a value. Incremental callers see `NEED_MORE` instead. */
  | 'ERR_MSGPACK_TRUNCATED'
  /** A value of the wrong msgpack type for the schema (or an unused/reserved byte 0xc1). */
  | 'ERR_MSGPACK_TYPE'
  /** An integer that does not fit the field (including negative into unsigned, > 2^53). */
  | 'ERR_MSGPACK_OVERFLOW'
  /** Containers nested deeper than `maxDepth`. */
  | 'ERR_MSGPACK_TOO_DEEP'
  /** A claimed length above the configured maximum for its kind. */
  | 'ERR_MSGPACK_LIMIT'
  /** Bytes left over after a whole-buffer `decode`. */
  | 'ERR_MSGPACK_TRAILING'
  /** A custom field codec (e.g. `goTime`) rejected a well-formed value. */
  | 'ERR_MSGPACK_INVALID';

/** Every failure while decoding untrusted msgpack is one of these (never a RangeError etc.). */
export class MsgpackDecodeError extends ShoalError {
  declare readonly code: MsgpackDecodeCode;
  /** Byte offset in the input where the offending value starts (best effort). */
  readonly offset: number;
  constructor(code: MsgpackDecodeCode, message: string, offset: number) {
    super(code, `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

export type MsgpackEncodeCode =
  /** A number that is not an integer, or outside the field's integer range. */
  | 'ERR_MSGPACK_ENCODE_RANGE'
  /** A value whose JS type does not match the schema (e.g. a number for a str field). */
  | 'ERR_MSGPACK_ENCODE_TYPE';

/** Thrown when asked to encode a value the schema cannot represent. This is a programming error. */
export class MsgpackEncodeError extends ShoalError {
  declare readonly code: MsgpackEncodeCode;
  constructor(code: MsgpackEncodeCode, message: string) {
    super(code, message);
  }
}
