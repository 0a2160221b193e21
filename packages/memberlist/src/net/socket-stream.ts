import type { Socket } from 'node:net';
import type { Clock, Timer } from '@shoal/kit';
import { TransportError } from '../errors.js';
import type { StreamConn } from '../transport.js';

/** Stop reading from the socket while this much is buffered and unread. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** How long close() lets written bytes drain to a peer that is not reading before it gives up on them. */
export const CLOSE_FLUSH_MS = 10_000;

/**
 * A TCP socket as memberlist's StreamConn: chunks are queued until read, the
 * socket pauses when the reader falls behind, and an optional idle timeout (on
 * the injected clock) closes streams that stop moving.
 */
export class SocketStream implements StreamConn {
  readonly remoteAddr: string;
  readonly #socket: Socket;
  readonly #clock: Clock;
  readonly #idleMs: number;
  #idleTimer: Timer | undefined;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  /** Why the stream failed; built only when someone asks (most streams close with nobody waiting). */
  #failure: (() => TransportError) | undefined;
  #failureError: TransportError | undefined;
  readonly #onClose: (() => void)[] = [];
  #waiter: { resolve(v: Uint8Array | null): void; reject(e: unknown): void } | undefined;

  constructor(socket: Socket, remoteAddr: string, clock: Clock, idleTimeoutMs = 0) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    this.#clock = clock;
    this.#idleMs = idleTimeoutMs;
    this.#touch();
    socket.on('data', (chunk: Buffer) => {
      this.#touch();
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w.resolve(bytes);
        return;
      }
      this.#chunks.push(bytes);
      this.#buffered += bytes.length;
      if (this.#buffered >= HIGH_WATER_BYTES) socket.pause();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#settleWaiter();
    });
    socket.on('error', (error) => this.#fail(() => new TransportError(`stream to ${remoteAddr}: ${error.message}`, true, { cause: error })));
    socket.on('close', () => {
      this.#idleTimer?.cancel();
      for (const fn of this.#onClose.splice(0)) fn();
      if (!this.#ended) this.#fail(() => new TransportError(`stream to ${remoteAddr} closed`, true));
    });
  }

  /** Runs `fn` once the socket has fully closed. */
  onClose(fn: () => void): void {
    if (this.#socket.destroyed && this.#socket.closed) fn();
    else this.#onClose.push(fn);
  }

  write(data: Uint8Array): void {
    if (this.#failure) throw this.#error();
    if (this.#socket.destroyed || this.#socket.writableEnded) throw new TransportError(`stream to ${this.remoteAddr} is closed`, false);
    this.#touch();
    this.#socket.write(data);
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#buffered -= chunk.length;
      if (this.#buffered < HIGH_WATER_BYTES && this.#socket.isPaused()) this.#socket.resume();
      return Promise.resolve(chunk);
    }
    if (this.#failure) return Promise.reject(this.#error());
    if (this.#ended) return Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new TransportError('concurrent reads on one stream', false));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * Closes both directions, like closing a Go net.Conn after Write returned:
   * reads reject at once, but bytes already written still go out. (Node may
   * hold them in user space, where destroy() would discard them and cut a
   * large reliable message or push/pull reply short.) The socket is released
   * once they are flushed, or after CLOSE_FLUSH_MS if the peer stops reading.
   */
  close(): void {
    this.#idleTimer?.cancel();
    this.#fail(() => new TransportError(`stream to ${this.remoteAddr} closed locally`, false));
    const socket = this.#socket;
    if (socket.destroyed) return;
    if (socket.writableLength === 0) {
      socket.destroy();
      return;
    }
    const giveUp = this.#clock.after(CLOSE_FLUSH_MS, () => socket.destroy());
    socket.end(() => {
      giveUp.cancel();
      socket.destroy();
    });
  }

  /** Closes at once, discarding anything not yet handed to the kernel (transport shutdown). */
  abort(): void {
    this.#idleTimer?.cancel();
    this.#fail(() => new TransportError(`stream to ${this.remoteAddr} closed locally`, false));
    this.#socket.destroy();
  }

  #touch(): void {
    if (this.#idleMs <= 0) return;
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#clock.after(this.#idleMs, () => {
      this.#fail(() => new TransportError(`stream to ${this.remoteAddr} idle for ${this.#idleMs} ms`, true));
      this.#socket.destroy();
    });
  }

  #fail(error: () => TransportError): void {
    this.#failure ??= error;
    this.#settleWaiter();
  }

  #error(): TransportError | undefined {
    if (this.#failure === undefined) return undefined;
    return (this.#failureError ??= this.#failure());
  }

  #settleWaiter(): void {
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    if (this.#chunks.length > 0) {
      const chunk = this.#chunks.shift()!;
      this.#buffered -= chunk.length;
      w.resolve(chunk);
    } else if (this.#failure) w.reject(this.#error());
    else w.resolve(null);
  }
}
