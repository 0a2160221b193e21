import { Writer, type DecodeOptions, fromUtf8, utf8 } from '@shoal/kit';
import { defaultNonceSource } from './nonce.js';
import { decompressBuffer, encodeCompressMsg } from './compress.js';
import { WireError, WireErrorCode } from './errors.js';
import { checkInboundLabel, labelHeader, parseLabelHeader } from './label.js';
import { Limits } from './limits.js';
import {
  type Compress,
  AckRespSchema,
  CompressSchema,
  decodeStruct,
  decodeValueStep,
  ErrRespSchema,
  PingSchema,
  PushNodeStateSchema,
  PushPullHeaderSchema,
  UserMsgHeaderSchema,
  type AckResp,
  type ErrResp,
  type Ping,
  type PushNodeState,
  type PushPullHeader,
} from './messages.js';
import { encryptsOutgoing, type WireSecurity } from './packet.js';
import { decryptPayload, encryptedLength, encryptPayload } from './security.js';
import { MessageType } from './types.js';

// TCP framing (spec §6). One request and at most one reply per connection,
// with no length prefix on plaintext: the reader parses msgpack values as the
// bytes arrive. Layers, outermost first: label header (dialer only), encrypted
// frame [10][u32 L][payload] (AAD = those 5 bytes + label), compressMsg, body.

export type StreamMessage =
  | {
      readonly type: typeof MessageType.PushPull;
      readonly join: boolean;
      readonly nodes: PushNodeState[];
      /** Delegate state; empty when the sender had none. */
      readonly userState: Uint8Array;
    }
  | { readonly type: typeof MessageType.User; readonly payload: Uint8Array }
  | { readonly type: typeof MessageType.Ping; readonly body: Ping }
  | { readonly type: typeof MessageType.AckResp; readonly body: AckResp }
  | { readonly type: typeof MessageType.Err; readonly body: ErrResp };


const STREAM_DECODE: DecodeOptions = { maxDepth: 16, maxBytesLength: Limits.decompressedMaxBytes };

/** The longest output one LZW input byte can yield: a code is at least 9 bits and expands to at most 4096 bytes. */
const LZW_MAX_EXPANSION = Math.ceil((8 * 4096) / 9);

/**
 * Memory a {@link StreamDecoder} may hold for its message while it arrives.
 * A node shares one budget across its streams (memberlist's FrameBudget).
 */
export interface FrameAllowance {
  /** The most any one message may claim or decompress to. */
  readonly maxBytes: number;
  /** Asks to hold `bytes` in total; throws a WireError (ERR_TOO_LARGE) when they cannot be spared. */
  hold(bytes: number): void;
  /** Gives back everything held. Idempotent. */
  release(): void;
}

/** No budget beyond the wire limits. */
const UNBOUNDED: FrameAllowance = { maxBytes: Limits.decompressedMaxBytes, hold: () => {}, release: () => {} };

/** `[6] pushPullHeader pushNodeState×N userState` (sendLocalState). */
export function encodePushPull(join: boolean, nodes: readonly PushNodeState[], userState: Uint8Array = new Uint8Array(0)): Uint8Array {
  const w = new Writer({ initialCapacity: 64 + nodes.length * 96 + userState.length });
  w.u8(MessageType.PushPull);
  const header: PushPullHeader = { nodes: nodes.length, userStateLen: userState.length, join };
  w.encode(PushPullHeaderSchema, header);
  for (const n of nodes) w.encode(PushNodeStateSchema, n);
  w.bytes(userState);
  return w.toBytes();
}

/** `[8] userMsgHeader payload` (sendUserMsg). */
export function encodeUserMsgStream(payload: Uint8Array): Uint8Array {
  const w = new Writer({ initialCapacity: 24 + payload.length });
  w.u8(MessageType.User);
  w.encode(UserMsgHeaderSchema, { userMsgLen: payload.length });
  w.bytes(payload);
  return w.toBytes();
}

export interface EncodeStreamOptions extends WireSecurity {
  /** EnableCompression: on streams it is applied always, even when not smaller. */
  readonly compress?: boolean;
  /** Write the label header first: true for the dialer, false for replies. */
  readonly writeLabelHeader?: boolean;
}

/** rawSendMsgStream (plus the dialer's label header): frames one complete stream message. */
export function encodeStream(message: Uint8Array, options: EncodeStreamOptions = {}): Uint8Array {
  let msg = options.compress ? encodeCompressMsg(message) : message;
  const label = utf8(options.label ?? '');
  if (encryptsOutgoing(options)) {
    const version = options.encryptionVersion ?? 1;
    const length = encryptedLength(version, msg.length);
    const header = new Uint8Array(5);
    header[0] = MessageType.Encrypt;
    new DataView(header.buffer).setUint32(1, length);
    const aad = concat(header, label);
    const sealed = encryptPayload(version, options.keyring!.keysForDecrypt()[0]!, msg, aad, options.randomBytes ?? defaultNonceSource);
    msg = concat(header, sealed);
  }
  return options.writeLabelHeader ? concat(labelHeader(label), msg) : msg;
}

export interface DecodedStream {
  readonly message: StreamMessage;
  /** The label used (received, or configured when skipping the check / reading a reply). */
  readonly label: string;
  readonly encrypted: boolean;
  readonly compressed: boolean;
  /** Bytes received after the message (Go never reads them). */
  readonly rest: Uint8Array;
}

export interface StreamDecodeOptions extends WireSecurity {
  /** Accept a label header first (the responder side). Replies carry none: pass false. Default true. */
  readonly readLabelHeader?: boolean;
  /** Memory the decoder may hold; claimed lengths over its maxBytes are refused before buffering. */
  readonly allowance?: FrameAllowance;
}

type Phase = 'label' | 'type' | 'compressed' | 'body' | 'done';

/**
 * Incremental reader of one stream message. Feed it chunks as they arrive;
 * each `push` returns 'need-more' or the decoded message with the bytes that
 * followed it. Memory grows only with bytes actually received: claimed counts
 * and lengths are checked against the limits and never preallocated.
 */
export class StreamDecoder {
  private buf = new Uint8Array(0);
  private len = 0;
  private pos = 0;
  private phase: Phase;
  private aad: Uint8Array;
  private body: BodyParser | undefined;
  private encrypted = false;
  private compressed = false;
  /** Where the message ends, once a claimed length tells; buffers grow no further than that. */
  private expectedEnd = 0;
  /** Chunks kept as they came while a claimed length says more must follow (see append). */
  private parked: Uint8Array[] = [];
  private parkedBytes = 0;
  /** What the parked chunks keep alive: their whole backing buffers. */
  private parkedHeld = 0;
  private innerType: number | undefined;
  private readonly allowance: FrameAllowance;
  private readonly decode: DecodeOptions;

  constructor(private readonly options: StreamDecodeOptions = {}) {
    this.phase = options.readLabelHeader === false ? 'type' : 'label';
    this.aad = utf8(options.label ?? '');
    this.allowance = options.allowance ?? UNBOUNDED;
    const maxBytes = Math.min(Limits.decompressedMaxBytes, this.allowance.maxBytes);
    this.decode = maxBytes === STREAM_DECODE.maxBytesLength ? STREAM_DECODE : { ...STREAM_DECODE, maxBytesLength: maxBytes };
  }

  /**
   * The message's own type (push/pull, user, ping, …) once known: from its
   * first byte in plaintext, after decryption and decompression otherwise.
   */
  get messageType(): number | undefined {
    return this.innerType;
  }

  push(chunk: Uint8Array): DecodedStream | 'need-more' {
    if (this.phase === 'done') throw new Error('StreamDecoder: message already complete');
    try {
      if (!this.append(chunk)) return 'need-more';
      const r = this.advance();
      if (r !== 'need-more') this.phase = 'done';
      return r;
    } catch (e) {
      this.allowance.release();
      throw e;
    }
  }

  /** Call at EOF: fails with ERR_TRUNCATED unless a message was completed. */
  end(): void {
    this.allowance.release();
    if (this.phase !== 'done') throw new WireError(WireErrorCode.Truncated, `stream ended in phase ${this.phase} after ${this.len} bytes`);
  }

  private advance(): DecodedStream | 'need-more' {
    for (;;) {
      switch (this.phase) {
        case 'label': {
          const r = parseLabelHeader(this.view());
          if (r === 'need-more') return r;
          this.aad = checkInboundLabel(r.labelBytes, this.options.label ?? '', this.options.skipInboundLabelCheck);
          this.pos = this.len - r.rest.length;
          this.phase = 'type';
          break;
        }
        case 'type': {
          if (this.pos >= this.len) return 'need-more';
          const type = this.buf[this.pos]!;
          const keyring = this.options.keyring;
          if (type === MessageType.Encrypt) {
            if (!keyring?.enabled) throw new WireError(WireErrorCode.EncryptionNotConfigured, 'remote state is encrypted and encryption is not configured');
            if (this.len - this.pos < 5) return 'need-more';
            const length = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos + 1, 4).getUint32(0);
            if (length > Limits.encryptedStreamMaxBytes) {
              throw new WireError(WireErrorCode.TooLarge, `encrypted stream of ${length} bytes exceeds ${Limits.encryptedStreamMaxBytes}`);
            }
            if (5 + length > this.allowance.maxBytes) {
              throw new WireError(WireErrorCode.TooLarge, `encrypted stream of ${length} bytes exceeds the stream buffer budget of ${this.allowance.maxBytes}`);
            }
            this.expectedEnd = this.pos + 5 + length;
            if (this.len - this.pos < 5 + length) return 'need-more';
            const header = this.buf.subarray(this.pos, this.pos + 5);
            const sealed = this.buf.subarray(this.pos + 5, this.pos + 5 + length);
            const plain = decryptPayload(keyring.keysForDecrypt(), sealed, concat(header, this.aad));
            this.pos += 5 + length;
            this.encrypted = true;
            return this.finish(this.unwrapComplete(plain));
          }
          if (keyring?.enabled && this.options.gossipVerifyIncoming !== false) {
            throw new WireError(WireErrorCode.NotEncrypted, 'encryption is configured but remote state is not encrypted');
          }
          if (type === MessageType.Compress) {
            this.phase = 'compressed';
          } else {
            this.body = new BodyParser(type, this.pos + 1, this.decode, this.allowance.maxBytes, (end) => (this.expectedEnd = end));
            this.innerType = type;
            this.phase = 'body';
          }
          break;
        }
        case 'compressed': {
          const r = decodeValueStep(CompressSchema, this.buf.subarray(0, this.len), this.pos + 1, 'compress', this.decode);
          if (r === 'need-more') return r;
          this.pos = r.offset;
          this.compressed = true;
          return this.finish(this.parseComplete(this.decompress(r.value)));
        }
        case 'body': {
          const r = this.body!.step(this.buf.subarray(0, this.len));
          if (r === 'need-more') return r;
          this.pos = r.offset;
          return this.finish(r.message);
        }
        case 'done':
          throw new Error('unreachable');
      }
    }
  }

  /** Decrypted plaintext: itself a complete message, possibly compressed. */
  private unwrapComplete(plain: Uint8Array): StreamMessage {
    if (plain.length > 0 && plain[0] === MessageType.Compress) {
      this.compressed = true;
      return this.parseComplete(this.decompress(decodeStruct(CompressSchema, plain, 1, 'compress', this.decode).value));
    }
    return this.parseComplete(plain);
  }

  /**
   * A stream's decompressed size is bounded by what its compressed bytes can
   * expand to, the wire limit, and the node's stream buffer budget (the
   * output is held while it is parsed).
   */
  private decompress(c: Compress): Uint8Array {
    const input = c.buf?.length ?? 0;
    const max = Math.min(Limits.decompressedMaxBytes, this.allowance.maxBytes, input * LZW_MAX_EXPANSION);
    const out = decompressBuffer(c, max);
    this.allowance.hold(this.buf.length + out.length);
    return out;
  }

  private parseComplete(buf: Uint8Array): StreamMessage {
    if (buf.length > 0) this.innerType = buf[0];
    return parseComplete(buf, this.decode, this.allowance.maxBytes);
  }

  private finish(message: StreamMessage): DecodedStream {
    this.allowance.release();
    return {
      message,
      label: fromUtf8(this.aad),
      encrypted: this.encrypted,
      compressed: this.compressed,
      rest: this.buf.slice(this.pos, this.len),
    };
  }

  private view(): Uint8Array {
    return this.buf.subarray(this.pos, this.len);
  }

  /**
   * Adds a chunk; false when it was parked and there is nothing new to parse.
   * While a claimed length says the message is not complete yet, chunks are
   * kept as they came and copied once when it is: growing one buffer by
   * doubling would copy a large message several times and leave the
   * allocator fragmented, with freed memory the process cannot give back.
   */
  private append(chunk: Uint8Array): boolean {
    // Also tells a decoder whose bytes the budget took back (its stream is being closed) to stop.
    this.allowance.hold(this.buf.length + this.parkedHeld);
    const total = this.len + this.parkedBytes + chunk.length;
    if (this.expectedEnd > total) {
      this.parked.push(chunk);
      this.parkedBytes += chunk.length;
      this.parkedHeld += chunk.buffer.byteLength;
      this.allowance.hold(this.buf.length + this.parkedHeld);
      return false;
    }
    if (total > this.buf.length) {
      let size = Math.max(256, this.buf.length * 2);
      while (size < total) size *= 2;
      // A claimed length says where the message ends: growing past it would only waste memory.
      if (this.expectedEnd >= total && size > this.expectedEnd) size = this.expectedEnd;
      this.allowance.hold(size + this.parkedHeld);
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    for (const p of this.parked) {
      this.buf.set(p, this.len);
      this.len += p.length;
    }
    this.parked = [];
    this.parkedBytes = 0;
    this.parkedHeld = 0;
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    return true;
  }
}

/** Decodes a complete stream buffer; a message cut short is ERR_TRUNCATED. */
export function decodeStream(bytes: Uint8Array, options: StreamDecodeOptions = {}): DecodedStream {
  const d = new StreamDecoder(options);
  const r = d.push(bytes);
  if (r === 'need-more') throw new WireError(WireErrorCode.Truncated, `stream of ${bytes.length} bytes ends inside its message`);
  return r;
}

function parseComplete(buf: Uint8Array, decode: DecodeOptions = STREAM_DECODE, maxClaim: number = Limits.decompressedMaxBytes): StreamMessage {
  if (buf.length === 0) throw new WireError(WireErrorCode.EmptyPacket, 'missing message type byte');
  const r = new BodyParser(buf[0]!, 1, decode, maxClaim).step(buf);
  if (r === 'need-more') throw new WireError(WireErrorCode.Truncated, `stream message of type ${buf[0]} is cut short`);
  return r.message;
}

/** Incremental parser of one message body; resumes where the last call stopped. */
class BodyParser {
  private header: PushPullHeader | undefined;
  private userMsgLen = -1;
  private readonly nodes: PushNodeState[] = [];

  constructor(
    private readonly type: number,
    private offset: number,
    private readonly decode: DecodeOptions,
    /** The most a length field may claim (the stream buffer budget). */
    private readonly maxClaim: number,
    /** Told where the message ends once a claimed length gives it. */
    private readonly onExpectedEnd: (end: number) => void = () => {},
  ) {
    if (type === MessageType.Compress || type === MessageType.Encrypt) {
      throw new WireError(WireErrorCode.UnexpectedType, `message type ${type} cannot be nested here`);
    }
    if (type !== MessageType.PushPull && type !== MessageType.User && type !== MessageType.Ping && type !== MessageType.AckResp && type !== MessageType.Err) {
      const code = type <= MessageType.Err ? WireErrorCode.UnexpectedType : WireErrorCode.UnknownType;
      throw new WireError(code, `message type ${type} is not a stream message`);
    }
  }

  step(buf: Uint8Array): { message: StreamMessage; offset: number } | 'need-more' {
    switch (this.type) {
      case MessageType.PushPull:
        return this.pushPull(buf);
      case MessageType.User:
        return this.userMsg(buf);
      case MessageType.Ping:
        return this.single(buf, PingSchema, (body) => ({ type: MessageType.Ping, body }));
      case MessageType.AckResp:
        return this.single(buf, AckRespSchema, (body) => ({ type: MessageType.AckResp, body }));
      default:
        return this.single(buf, ErrRespSchema, (body) => ({ type: MessageType.Err, body }));
    }
  }

  private single<T>(buf: Uint8Array, schema: Parameters<typeof decodeValueStep<T>>[0], make: (v: T) => StreamMessage): { message: StreamMessage; offset: number } | 'need-more' {
    const r = decodeValueStep(schema, buf, this.offset, `message type ${this.type}`, this.decode);
    if (r === 'need-more') return r;
    return { message: make(r.value), offset: r.offset };
  }

  private pushPull(buf: Uint8Array): { message: StreamMessage; offset: number } | 'need-more' {
    if (this.header === undefined) {
      const r = decodeValueStep(PushPullHeaderSchema, buf, this.offset, 'pushPullHeader', this.decode);
      if (r === 'need-more') return r;
      const h = r.value;
      if (h.nodes < 0 || h.nodes > Limits.pushPullMaxNodes) {
        throw new WireError(WireErrorCode.TooLarge, `push/pull claims ${h.nodes} nodes (allowed 0..${Limits.pushPullMaxNodes})`);
      }
      const maxUserState = Math.min(Limits.userStateMaxBytes, this.maxClaim);
      if (h.userStateLen < 0 || h.userStateLen > maxUserState) {
        throw new WireError(WireErrorCode.TooLarge, `push/pull claims ${h.userStateLen} bytes of user state (allowed 0..${maxUserState})`);
      }
      this.header = h;
      this.offset = r.offset;
    }
    while (this.nodes.length < this.header.nodes) {
      const r = decodeValueStep(PushNodeStateSchema, buf, this.offset, 'pushNodeState', this.decode);
      if (r === 'need-more') return r;
      this.nodes.push(r.value);
      this.offset = r.offset;
    }
    const n = this.header.userStateLen;
    if (buf.length - this.offset < n) return 'need-more';
    const userState = buf.slice(this.offset, this.offset + n);
    return {
      message: { type: MessageType.PushPull, join: this.header.join, nodes: this.nodes, userState },
      offset: this.offset + n,
    };
  }

  private userMsg(buf: Uint8Array): { message: StreamMessage; offset: number } | 'need-more' {
    if (this.userMsgLen < 0) {
      const r = decodeValueStep(UserMsgHeaderSchema, buf, this.offset, 'userMsgHeader', this.decode);
      if (r === 'need-more') return r;
      const n = r.value.userMsgLen;
      const max = Math.min(Limits.userMsgMaxBytes, this.maxClaim);
      if (n < 0 || n > max) {
        throw new WireError(WireErrorCode.TooLarge, `user message claims ${n} bytes (allowed 0..${max})`);
      }
      this.userMsgLen = n;
      this.offset = r.offset;
      this.onExpectedEnd(this.offset + n);
    }
    if (buf.length - this.offset < this.userMsgLen) return 'need-more';
    return {
      message: { type: MessageType.User, payload: buf.slice(this.offset, this.offset + this.userMsgLen) },
      offset: this.offset + this.userMsgLen,
    };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
