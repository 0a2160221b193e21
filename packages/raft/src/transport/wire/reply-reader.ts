/**
 * The client side of a raft stream: fed arbitrary chunks, yields complete
 * replies (error string + response object). Go answers strictly in request
 * order and never says which RPC a reply belongs to, so the caller names the
 * type it expects: the type of its oldest unanswered request.
 *
 * Any error leaves the stream unusable (Go closes the connection): every
 * later call rethrows it.
 */
import { NEED_MORE, type NeedMore } from '@shoal/kit';
import { WireError } from './errors.js';
import type { RpcType } from './generation.js';
import { asWireError, decodeErrorString, decodeResponseBody } from './decode-message.js';
import type { Reply } from './frames.js';
import { resolveLimits, type ResolvedLimits, type WireLimits } from './limits.js';
import { StreamBuffer } from './stream-buffer.js';
import { ValueScanner } from './value-scanner.js';

export class ReplyReader {
  private readonly limits: ResolvedLimits;
  private readonly buffer: StreamBuffer;
  private readonly scanner: ValueScanner;
  /** Where the error string ends, once scanned; -1 before. */
  private errorEnd = -1;
  private scanning = false;
  private failure: unknown;

  constructor(limits?: WireLimits) {
    this.limits = resolveLimits(limits);
    this.buffer = new StreamBuffer(this.limits.maxBuffered);
    this.scanner = new ValueScanner(this.limits.scan);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): void {
    this.guard(() => {
      const delta = this.buffer.append(chunk);
      if (this.errorEnd >= 0) this.errorEnd += delta;
      this.scanner.shift(delta);
    });
  }

  /** The next complete reply to an RPC of `type`, or NEED_MORE. Throws WireError. */
  next<K extends RpcType>(type: K): Reply<K> | NeedMore {
    return this.guard(() => this.assemble(type));
  }

  private assemble<K extends RpcType>(type: K): Reply<K> | NeedMore {
    const buf = this.buffer;
    if (!this.scanning) {
      if (buf.length === 0) return NEED_MORE;
      this.scanning = true;
      this.scanner.reset(buf.start);
    }
    if (this.errorEnd < 0) {
      const end = this.scanner.scan(buf.bytes, buf.end);
      this.checkSize(end < 0 ? buf.end : end);
      if (end < 0) return NEED_MORE;
      this.errorEnd = end;
      this.scanner.reset(end);
    }
    const end = this.scanner.scan(buf.bytes, buf.end);
    this.checkSize(end < 0 ? buf.end : end);
    if (end < 0) return NEED_MORE;
    const error = decodeErrorString(buf.bytes.subarray(buf.start, this.errorEnd), this.limits.decode);
    const response = decodeResponseBody(type, buf.bytes.subarray(this.errorEnd, end), this.limits.decode);
    this.scanning = false;
    this.errorEnd = -1;
    buf.consumeTo(end);
    return { error, response };
  }

  private checkSize(reached: number): void {
    const size = reached - this.buffer.start;
    if (size > this.limits.maxMessageBytes) {
      throw new WireError('ERR_WIRE_TOO_LARGE', `reply of ${size}+ bytes, limit ${this.limits.maxMessageBytes}`);
    }
  }

  private guard<T>(work: () => T): T {
    if (this.failure !== undefined) throw this.failure;
    try {
      return work();
    } catch (err) {
      this.failure = asWireError(err, 'reply stream');
      throw this.failure;
    }
  }
}
