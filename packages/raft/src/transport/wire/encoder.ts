/**
 * Writes requests and replies exactly as Go raft of the chosen generation
 * does: a type byte and one msgpack object; or an error string and a
 * response object (nil when there is none).
 */
import { t, Writer, type MsgType } from '@shoal/kit';
import { WireError } from './errors.js';
import { encodeOptionsFor, peerCanParse, type RpcType, type WireFormat, type WireGeneration } from './generation.js';
import { messageSchemas, type MessageSchemas, type ResponseOf } from './messages.js';
import type { RequestFrame } from './frames.js';
import { rpcName } from './decode-message.js';

export class WireEncoder {
  readonly generation: WireGeneration;
  private readonly schemas: MessageSchemas;
  private readonly writer: Writer;

  constructor(format: WireFormat) {
    this.generation = format.generation;
    this.schemas = messageSchemas(format.generation);
    this.writer = new Writer(encodeOptionsFor(format));
  }

  /** Appends a request (type byte + object) to the internal buffer; see `take`. */
  writeRequest(frame: RequestFrame): this {
    const schema = this.schemas.requests[frame.type] as MsgType<RequestFrame['request']> | undefined;
    if (schema === undefined || !peerCanParse(this.generation, frame.type)) {
      throw new WireError('ERR_WIRE_UNSUPPORTED', `a ${this.generation} peer cannot parse ${rpcName(frame.type)} (rpc type ${frame.type})`);
    }
    return this.atomically(() => {
      this.writer.u8(frame.type);
      schema.encode(this.writer, frame.request);
    });
  }

  /** Appends a reply: `error` ("" for success) then `response`, or nil when undefined. */
  writeReply<K extends RpcType>(type: K, error: string, response: ResponseOf[K] | undefined): this {
    const schema = this.schemas.responses[type] as MsgType<ResponseOf[K]> | undefined;
    if (schema === undefined) {
      throw new WireError('ERR_WIRE_UNSUPPORTED', `a ${this.generation} peer cannot parse a ${rpcName(type)} response`);
    }
    return this.atomically(() => {
      t.str.encode(this.writer, error);
      if (response === undefined) this.writer.writeNil();
      else schema.encode(this.writer, response);
    });
  }

  /** A value that cannot be encoded leaves no partial message behind. */
  private atomically(write: () => void): this {
    const before = this.writer.length;
    try {
      write();
    } catch (err) {
      this.writer.length = before;
      throw err;
    }
    return this;
  }

  /** Everything written since the last take, as a fresh array; the buffer is then empty. */
  take(): Uint8Array {
    const out = this.writer.toBytes();
    this.writer.reset();
    return out;
  }

  /** One request, encoded alone. */
  request(frame: RequestFrame): Uint8Array {
    return this.writeRequest(frame).take();
  }

  /** One reply, encoded alone. */
  reply<K extends RpcType>(type: K, error: string, response: ResponseOf[K] | undefined): Uint8Array {
    return this.writeReply(type, error, response).take();
  }
}
