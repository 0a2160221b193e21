/**
 * A QUIC bidirectional stream as memberlist's StreamConn, and an application
 * stream with its kind byte already consumed.
 */
import { Deferred } from '@shoal/kit';
import { TransportError } from '@shoal/memberlist';
import type { QuicStream } from '../engine/types.js';

const EMPTY = new Uint8Array(0);
/** Bytes a closed stream still reads (and drops) while it waits for the peer's FIN. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * memberlist's view of a stream: writes are queued in order (the stream's
 * flow control paces them), reads hand out chunks, close() sends FIN after the
 * queued writes and stops reading. `prefix` (the kind byte under shoal-quic/1)
 * goes out with the first write; `leftover` (bytes read with the kind byte)
 * comes back from the first read.
 */
export class QuicStreamConn {
  readonly remoteAddr: string;
  readonly #stream: QuicStream;
  #prefix: Uint8Array;
  #leftover: Uint8Array | undefined;
  #writing: Promise<void> = Promise.resolve();
  #failure: TransportError | undefined;
  #closed = false;
  #readEnded = false;
  /** The stream read under way, which may outlive a read() that close() cut short. */
  #streamRead: Promise<Uint8Array | null> | undefined;
  readonly #closedSignal = new Deferred<null>();

  constructor(stream: QuicStream, remoteAddr: string, options: { prefix?: Uint8Array; leftover?: Uint8Array } = {}) {
    this.#stream = stream;
    this.remoteAddr = remoteAddr;
    this.#prefix = options.prefix ?? EMPTY;
    this.#leftover = options.leftover !== undefined && options.leftover.length > 0 ? options.leftover : undefined;
  }

  /** Resolves when the underlying stream is finished both ways (or its connection closed). */
  get done(): Promise<void> {
    return this.#stream.done;
  }

  write(data: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new TransportError(`stream to ${this.remoteAddr} is closed`, false);
    const bytes = this.#takePrefix(data);
    this.#writing = this.#writing.then(() => this.#stream.write(bytes)).catch((error: unknown) => {
      this.#failure ??= new TransportError(`stream to ${this.remoteAddr}: ${(error as Error).message}`, true, { cause: error });
    });
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#leftover) {
      const chunk = this.#leftover;
      this.#leftover = undefined;
      return chunk;
    }
    if (this.#closed) throw new TransportError(`stream to ${this.remoteAddr} closed locally`, false);
    if (this.#failure) throw this.#failure;
    if (this.#readEnded) return null;
    try {
      const pending = this.#stream.read();
      this.#streamRead = pending;
      void pending.then(
        () => this.#streamRead === pending && (this.#streamRead = undefined),
        () => this.#streamRead === pending && (this.#streamRead = undefined),
      );
      const chunk = await Promise.race([pending, this.#closedSignal.promise]);
      if (this.#closed) throw new TransportError(`stream to ${this.remoteAddr} closed locally`, false);
      if (chunk === null) this.#readEnded = true;
      return chunk;
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw new TransportError(`stream to ${this.remoteAddr}: ${(error as Error).message}`, true, { cause: error });
    }
  }

  /**
   * FIN after the queued writes; pending and later reads reject. What the
   * peer still sends is read and dropped up to its FIN (then the stream is
   * finished both ways and the engine gives its slot back to the peer; a
   * stream stopped before the FIN never does, and quic-go, which sends the
   * FIN after the data, would run out of streams). Past DRAIN_LIMIT_BYTES it
   * stops reading instead.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedSignal.resolve(null);
    const tail = this.#takePrefix(EMPTY);
    const stream = this.#stream;
    void this.#writing.then(() => stream.end(tail)).catch(() => stream.reset(0));
    if (!this.#readEnded) void drainToFin(stream, this.#streamRead);
  }

  /** Ends both directions at once, discarding queued bytes (transport shutdown). */
  abort(): void {
    this.#closed = true;
    this.#closedSignal.resolve(null);
    this.#stream.reset(0);
    this.#stream.stopReading(0);
  }

  #takePrefix(data: Uint8Array): Uint8Array {
    if (this.#prefix.length === 0) return data;
    const out = concat(this.#prefix, data);
    this.#prefix = EMPTY;
    return out;
  }
}

/** Reads `stream` on to its FIN (after the read already under way, if any), dropping the bytes. */
async function drainToFin(stream: QuicStream, underWay: Promise<Uint8Array | null> | undefined): Promise<void> {
  let dropped = 0;
  try {
    for (let chunk = await (underWay ?? stream.read()); chunk !== null; chunk = await stream.read()) {
      dropped += chunk.length;
      if (dropped > DRAIN_LIMIT_BYTES) {
        stream.stopReading(0);
        return;
      }
    }
  } catch {
    // reset by the peer or the connection closed: nothing left to drain
  }
}

/** An inbound application stream: `leftover` (read together with the kind byte) comes first. */
export function withLeftover(stream: QuicStream, leftover: Uint8Array): QuicStream {
  if (leftover.length === 0) return stream;
  let pending: Uint8Array | undefined = leftover;
  const read = (): Promise<Uint8Array | null> => {
    if (pending) {
      const chunk = pending;
      pending = undefined;
      return Promise.resolve(chunk);
    }
    return stream.read();
  };
  return {
    get id() {
      return stream.id;
    },
    get bidi() {
      return stream.bidi;
    },
    get local() {
      return stream.local;
    },
    get done() {
      return stream.done;
    },
    read,
    write: (data) => stream.write(data),
    end: (data) => stream.end(data),
    reset: (code) => stream.reset(code),
    stopReading: (code) => stream.stopReading(code),
    async *[Symbol.asyncIterator]() {
      for (let chunk = await read(); chunk !== null; chunk = await read()) yield chunk;
    },
  };
}
