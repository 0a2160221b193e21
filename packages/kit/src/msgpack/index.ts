/**
 * Go-compatible msgpack for shoal's wire protocols (memberlist, raft).
 *
 * Why not @msgpack/msgpack or msgpackr: hashicorp's Go libraries use go-msgpack with
 * `WriteExt=false`, which writes both `string` and `[]byte` as the old "raw" str family
 * (fixstr, str16, str32 — never str8, never bin), sorts struct keys by byte order, writes nil
 * for a nil slice, and picks integer widths by Go type and codec version. Generic JS codecs
 * cannot reproduce those bytes (they emit str8 and bin, keep JS key order) and cannot tell a
 * str holding a Go string from a str holding binary (IP addresses, Vsn, log data), so they
 * corrupt bytes on decode. This codec is schema-driven: each struct field declares its Go
 * name and type, which gives byte-identical output and correct str/bytes decoding.
 *
 * Usage:
 *   const Ping = struct({
 *     seqNo: field('SeqNo', t.uint32),
 *     node: field('Node', t.str),
 *     sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
 *   });
 *   type Ping = Infer<typeof Ping>;          // { seqNo: number; node: string; sourceAddr?: Uint8Array }
 *   const w = new Writer();                  // reuse per connection; w.reset() between packets
 *   w.u8(0); w.encode(Ping, { seqNo: 1, node: 'b' }); socket.send(w.peekBytes());
 *   const r = decodeFrom(Ping, buf, 1);      // NEED_MORE or { value, offset }
 *
 * Decisions:
 * - Missing keys and nil values decode to the Go zero value: 0, "", false, a zero struct,
 *   the zero time, and `undefined` for bytes, slices, maps and nullable (pointer) fields.
 * - String fields accept str and bin (like go-msgpack v2; 0.5.5 rejects bin). Invalid UTF-8
 *   becomes U+FFFD (Go would keep the raw bytes); use `t.bytes` for binary-safe fields.
 * - Integers outside the field's Go range, negative into unsigned, or beyond ±2^53 are
 *   ERR_MSGPACK_OVERFLOW. Encoding rejects non-integers and out-of-range values.
 * - Unknown keys are skipped (any value, including nested and ext); a struct sent as an array
 *   is read positionally in declaration order (extra elements skipped); duplicate keys: last
 *   wins; struct keys may be str or bin (0.5.5 rejects bin keys), anything else is a type error.
 * - Encoding never emits str8, bin or ext. Signed ints follow `EncodeOptions.intStyle`
 *   (default 'v0.5', as memberlist 0.2.2 / raft 1.1.2 write); decoding accepts both styles.
 * - Untrusted input: every claimed length is checked against the bytes present (→ NEED_MORE /
 *   ERR_MSGPACK_TRUNCATED) and against `DecodeOptions` limits (→ ERR_MSGPACK_LIMIT) before
 *   anything is allocated; nesting is capped by `maxDepth` (ERR_MSGPACK_TOO_DEEP).
 */
export { MsgpackDecodeError, MsgpackEncodeError, type MsgpackDecodeCode, type MsgpackEncodeCode } from './errors.js';
export { Writer, utf8Length, type EncodeOptions, type IntStyle, type TimeFormat } from './writer.js';
export { Reader, type DecodeOptions } from './reader.js';
export type { AnyValue, AnyOptions, MsgpackExt } from './any.js';
export { t, type MsgType, type Infer, type CustomTypeSpec } from './types.js';
export { goTime, GO_ZERO_TIME, isGoZeroTime, goTimeFromDate, goTimeToDate, type GoTime } from './time.js';
export { field, struct, StructType, type Field, type FieldOptions, type StructValue } from './struct.js';
export {
  encode,
  encodeInto,
  decode,
  decodeFrom,
  skipValue,
  decodeAny,
  NEED_MORE,
  type Decoded,
  type NeedMore,
  type DecodeStep,
} from './codec.js';
