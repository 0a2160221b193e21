/**
 * The server side of a raft stream: fed arbitrary chunks, yields complete
 * (type, request) frames. Go's stream has no framing, so completeness comes
 * from the msgpack structure itself (ValueScanner). After an InstallSnapshot
 * frame the stream carries `request.size` raw snapshot bytes: take the ones
 * already buffered with `takeBuffered` and read the rest from the stream
 * before feeding the reader again.
 *
 * Any error leaves the stream unusable (Go closes the connection): every
 * later call rethrows it.
 */
import { NEED_MORE, type NeedMore } from '@shoal/kit';
import { WireError } from './errors.js';
import { peerCanParse, type RpcType, type WireGeneration } from './generation.js';
import { asWireError, decodeRequestBody } from './decode-message.js';
import type { RequestFrame } from './frames.js';
import { resolveLimits, type ResolvedLimits, type WireLimits } from './limits.js';
import { StreamBuffer } from './stream-buffer.js';
import { ValueScanner } from './value-scanner.js';

export class RequestReader {
  private readonly limits: ResolvedLimits;
  private readonly buffer: StreamBuffer;
  private readonly scanner: ValueScanner;
  /** Type byte of the request being assembled; undefined between requests. */
  private pendingType: RpcType | undefined;
  private bodyStart = 0;
  private failure: unknown;

  /** @param generation decides which type bytes are known (1.1 has no pre-vote). */
  constructor(readonly generation: WireGeneration, limits?: WireLimits) {
    this.limits = resolveLimits(limits);
    this.buffer = new StreamBuffer(this.limits.maxBuffered);
    this.scanner = new ValueScanner(this.limits.scan);
  }

  /** Bytes received and not yet handed out as frames or by `takeBuffered`. */
  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): void {
    this.guard(() => {
      const delta = this.buffer.append(chunk);
      this.bodyStart += delta;
      this.scanner.shift(delta);
    });
  }

  /** The next complete request, or NEED_MORE. Throws WireError. */
  next(): RequestFrame | NeedMore {
    return this.guard(() => this.assemble());
  }

  /** Removes up to `max` buffered bytes that follow the last frame (InstallSnapshot data). */
  takeBuffered(max: number): Uint8Array {
    if (this.pendingType !== undefined) throw new Error('takeBuffered in the middle of a request');
    return this.buffer.take(max);
  }

  private assemble(): RequestFrame | NeedMore {
    const buf = this.buffer;
    if (this.pendingType === undefined) {
      if (buf.length === 0) return NEED_MORE;
      const type = buf.bytes[buf.start]!;
      if (!peerCanParse(this.generation, type)) throw new WireError('ERR_WIRE_UNKNOWN_RPC', `unknown rpc type ${type}`);
      this.pendingType = type;
      this.bodyStart = buf.start + 1;
      this.scanner.reset(this.bodyStart);
    }
    const end = this.scanner.scan(buf.bytes, buf.end);
    const size = (end < 0 ? buf.end : end) - this.bodyStart;
    if (size > this.limits.maxMessageBytes) {
      throw new WireError('ERR_WIRE_TOO_LARGE', `request of ${size}+ bytes, limit ${this.limits.maxMessageBytes}`);
    }
    if (end < 0) return NEED_MORE;
    const type = this.pendingType;
    const request = decodeRequestBody(type, buf.bytes.subarray(this.bodyStart, end), this.limits.decode);
    this.pendingType = undefined;
    buf.consumeTo(end);
    return { type, request } as RequestFrame;
  }

  private guard<T>(work: () => T): T {
    if (this.failure !== undefined) throw this.failure;
    try {
      return work();
    } catch (err) {
      this.failure = asWireError(err, 'request stream');
      throw this.failure;
    }
  }
}
