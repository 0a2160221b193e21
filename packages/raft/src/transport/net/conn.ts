/**
 * One connection as the transport uses it: pull-style reads (one chunk
 * buffered at most, the socket paused meanwhile, so a fast peer cannot make
 * us hold more than a chunk), writes that resolve once handed to the kernel,
 * and deadlines on the injected clock. Closing records *why*, so whoever is
 * blocked on the connection sees that reason (e.g. RpcTimeoutError) instead
 * of a generic "stream destroyed".
 */
import type { Duplex } from 'node:stream';
import type { Clock, Timer } from '@shoal/kit';

export class ConnectionClosedError extends Error {
  constructor(message = 'connection closed') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

export class Conn {
  readonly #stream: Duplex;
  #chunk: Uint8Array | undefined;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;
  readonly #onClose: (() => void)[] = [];

  /** @param remote for logs and errors: who is on the other end. */
  constructor(
    stream: Duplex,
    readonly remote: string,
  ) {
    this.#stream = stream;
    stream.on('data', (chunk: Uint8Array) => {
      this.#chunk = this.#chunk === undefined ? chunk : concat(this.#chunk, chunk);
      stream.pause();
      this.#notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('error', (err: unknown) => {
      this.#failure ??= err;
      this.#notify();
    });
    stream.on('close', () => {
      if (!this.#ended) this.#failure ??= new ConnectionClosedError();
      this.#notify();
      for (const fn of this.#onClose.splice(0)) fn();
    });
  }

  /** Whether the connection has failed or been closed. */
  get closed(): boolean {
    return this.#failure !== undefined || this.#stream.destroyed;
  }

  /** Why the connection failed, if it has. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Runs `fn` once the underlying stream has closed. */
  onClose(fn: () => void): void {
    if (this.#stream.closed) fn();
    else this.#onClose.push(fn);
  }

  /** The next bytes received, or null at a clean end of stream. Throws the failure reason. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const chunk = this.#chunk;
      if (chunk !== undefined) {
        this.#chunk = undefined;
        return chunk;
      }
      if (this.#ended) return null;
      this.#stream.resume();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Gives back bytes read but not consumed; the next read returns them first. */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunk = this.#chunk === undefined ? bytes : concat(bytes, this.#chunk);
  }

  /** Resolves once `bytes` are handed to the kernel (natural back-pressure). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#stream.write(bytes, (err) => {
        if (err == null && this.#failure === undefined) resolve();
        else reject(this.#failure ?? err);
      });
    });
  }

  /** Closes the connection for `reason` unless cancelled within `ms` on `clock`. */
  deadline(clock: Clock, ms: number, reason: () => unknown): Timer {
    return clock.after(ms, () => this.destroy(reason()));
  }

  /** Closes the connection; everyone blocked on it sees `reason`. Idempotent. */
  destroy(reason: unknown = new ConnectionClosedError()): void {
    this.#failure ??= reason;
    this.#stream.destroy();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
