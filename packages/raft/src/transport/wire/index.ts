/**
 * Go raft's NetworkTransport wire format, byte for byte, for Go raft 1.1.2
 * ('1.1') and current upstream ('1.7'): request and response schemas, an
 * encoder, incremental readers for both directions of a stream, and the
 * version gate. Go nil is a marker: EMPTY_BYTES for byte fields,
 * NIL_ENTRIES for entry lists (see go-nil.ts). No sockets here.
 */
export { RpcType, WIRE_GENERATIONS, peerCanParse, rpcTypesFor, encodeOptionsFor, type WireGeneration, type WireFormat } from './generation.js';
export { WireError, type WireErrorCode } from './errors.js';
export { NIL_ENTRIES, isNilBytes } from './go-nil.js';
export { messageSchemas, DECODE_SCHEMAS, type RequestOf, type ResponseOf, type MessageSchemas } from './messages.js';
export { logSchema } from './log-entry.js';
export type { RequestFrame, Reply } from './frames.js';
export { WireEncoder } from './encoder.js';
export { RequestReader } from './request-reader.js';
export { ReplyReader } from './reply-reader.js';
export { decodeRequest, decodeReply } from './decode-whole.js';
export { rpcName } from './decode-message.js';
export { DEFAULT_MAX_MESSAGE_BYTES, type WireLimits } from './limits.js';
