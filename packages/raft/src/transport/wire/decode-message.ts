/** Decoding one complete message body, with every failure a WireError. */
import { decode, MsgpackDecodeError, t, type DecodeOptions, type MsgType } from '@shoal/kit';
import { WireError } from './errors.js';
import { RpcType } from './generation.js';
import { DECODE_SCHEMAS, type RequestOf, type ResponseOf } from './messages.js';

const RPC_NAMES: Record<RpcType, string> = {
  [RpcType.AppendEntries]: 'AppendEntries',
  [RpcType.RequestVote]: 'RequestVote',
  [RpcType.InstallSnapshot]: 'InstallSnapshot',
  [RpcType.TimeoutNow]: 'TimeoutNow',
  [RpcType.RequestPreVote]: 'RequestPreVote',
};

export function rpcName(type: RpcType): string {
  return RPC_NAMES[type];
}

/** Turns a msgpack failure into the wire's error; anything else is a bug and propagates. */
export function asWireError(err: unknown, what: string): unknown {
  if (!(err instanceof MsgpackDecodeError)) return err;
  const code = err.code === 'ERR_MSGPACK_LIMIT' ? 'ERR_WIRE_TOO_LARGE' : 'ERR_WIRE_MALFORMED';
  return new WireError(code, `${what}: ${err.message}`, { cause: err });
}

function decodeWith<T>(schema: MsgType<T>, bytes: Uint8Array, what: string, options: DecodeOptions): T {
  try {
    return decode(schema, bytes, options);
  } catch (err) {
    throw asWireError(err, what);
  }
}

/** `bytes` must hold exactly the request object (no type byte). */
export function decodeRequestBody<K extends RpcType>(type: K, bytes: Uint8Array, options: DecodeOptions = {}): RequestOf[K] {
  const schema = DECODE_SCHEMAS.requests[type] as MsgType<RequestOf[K]>;
  return decodeWith(schema, bytes, `${rpcName(type)} request`, options);
}

/** `bytes` must hold exactly the response object; nil decodes as undefined (the handler sent none). */
export function decodeResponseBody<K extends RpcType>(type: K, bytes: Uint8Array, options: DecodeOptions = {}): ResponseOf[K] | undefined {
  if (bytes.length === 1 && bytes[0] === 0xc0) return undefined;
  const schema = DECODE_SCHEMAS.responses[type] as MsgType<ResponseOf[K]>;
  return decodeWith(schema, bytes, `${rpcName(type)} response`, options);
}

/** The error string that opens every reply ("" when the RPC succeeded). */
export function decodeErrorString(bytes: Uint8Array, options: DecodeOptions = {}): string {
  return decodeWith(t.str, bytes, 'reply error string', options);
}
