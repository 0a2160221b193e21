/** Decoding a request or reply that fills a whole buffer (tests, tools, captured bytes). */
import { NEED_MORE, type NeedMore } from '@shoal/kit';
import { WireError } from './errors.js';
import type { RpcType, WireGeneration } from './generation.js';
import type { Reply, RequestFrame } from './frames.js';
import type { WireLimits } from './limits.js';
import { ReplyReader } from './reply-reader.js';
import { RequestReader } from './request-reader.js';

function exactly<T extends object>(what: string, result: T | NeedMore, left: number): T {
  if (result === NEED_MORE) throw new WireError('ERR_WIRE_MALFORMED', `${what}: truncated`);
  if (left > 0) throw new WireError('ERR_WIRE_MALFORMED', `${what}: ${left} byte(s) after it`);
  return result as T;
}

/** `bytes` = type byte + request object, nothing more. */
export function decodeRequest(bytes: Uint8Array, generation: WireGeneration, limits?: WireLimits): RequestFrame {
  const reader = new RequestReader(generation, limits);
  reader.push(bytes);
  const frame = reader.next();
  return exactly('request', frame, reader.buffered);
}

/** `bytes` = error string + response object, nothing more. */
export function decodeReply<K extends RpcType>(type: K, bytes: Uint8Array, limits?: WireLimits): Reply<K> {
  const reader = new ReplyReader(limits);
  reader.push(bytes);
  const reply = reader.next(type);
  return exactly('reply', reply, reader.buffered);
}
