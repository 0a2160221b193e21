import { Writer } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { CompressSchema, decodeStruct, type Compress } from './messages.js';
import { MessageType } from './types.js';

/** The only compression algorithm memberlist defines. */
export const LZW_ALGO = 0;

/** compressPayload: `[9][msgpack compress{Algo: 0, Buf: lzw(payload)}]`. */
export function encodeCompressMsg(payload: Uint8Array): Uint8Array {
  return wrapCompressed(lzwCompress(payload));
}

/**
 * The compress message for `payload` if it is shorter than `payload`, else
 * undefined (Go's rawSendMsgPacket keeps the smaller). The compressor stops
 * as soon as the message can no longer come out shorter.
 */
export function compressIfSmaller(payload: Uint8Array): Uint8Array | undefined {
  const buf = lzwCompress(payload, payload.length - MIN_ENVELOPE);
  if (buf === undefined) return undefined;
  const msg = wrapCompressed(buf);
  return msg.length < payload.length ? msg : undefined;
}

function wrapCompressed(buf: Uint8Array): Uint8Array {
  const w = new Writer({ initialCapacity: buf.length + 16 });
  w.u8(MessageType.Compress);
  w.encode(CompressSchema, { algo: LZW_ALGO, buf });
  return w.toBytes();
}

/** The bytes a compress message adds around the smallest LZW output; longer outputs only add more. */
const MIN_ENVELOPE = wrapCompressed(new Uint8Array(0)).length;

/** decompressBuffer: an unknown algorithm, a malformed stream, empty output or output over the limit are errors. */
export function decompressBuffer(c: Compress, maxOutput: number = Limits.decompressedMaxBytes): Uint8Array {
  if (c.algo !== LZW_ALGO) throw new WireError(WireErrorCode.CompressAlgo, `cannot decompress unknown algorithm ${c.algo}`);
  const out = lzwDecompress(c.buf ?? new Uint8Array(0), maxOutput);
  if (out.length === 0) throw new WireError(WireErrorCode.LzwEmpty, 'decompressed payload is empty');
  return out;
}

/** decompressPayload: the body of a compressMsg (after its type byte) to the payload it wraps. */
export function decompressMsgBody(body: Uint8Array, maxOutput?: number): Uint8Array {
  return decompressBuffer(decodeStruct(CompressSchema, body, 0, 'compress').value, maxOutput);
}
