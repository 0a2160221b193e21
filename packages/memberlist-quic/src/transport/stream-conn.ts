/**
 * A QUIC bidirectional stream as memberlist's StreamConn, and an application
 * stream with its kind byte already consumed.
 */
import { type Clock, Deferred } from '@shoal/kit';
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

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * memberlist's view of a stream: writes are queued in order (the stream's
 * flow control paces them; those of one turn go together), reads hand out
 * chunks, close() sends FIN with the last queued bytes and reads on to the
 * peer's FIN. `prefix` (the kind byte under shoal-quic/1)
 * goes out with the first write; `leftover` (bytes read with the kind byte)
 * comes back from the first read.
 */
export class QuicStreamConn {
  readonly remoteAddr: string;
  readonly #stream: QuicStream;
  #prefix: Uint8Array;
  #leftover: Uint8Array | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Written bytes not yet handed to the stream (see #scheduleWrite). */
  #unsent: Uint8Array[] = [];
  #writeScheduled = false;
  /** close() was called: the next hand-over ends the stream. */
  #finRequested = false;
  #failure: TransportError | undefined;
  #closed = false;
  #readEnded = false;
  /** The stream read under way, which may outlive a read() that close() cut short. */
  #streamRead: Promise<Uint8Array | null> | undefined;
  readonly #closedSignal = new Deferred<null>();
  readonly #finWait: FinWait | undefined;

  constructor(stream: QuicStream, remoteAddr: string, options: { prefix?: Uint8Array; leftover?: Uint8Array; finWait?: FinWait } = {}) {
    this.#stream = stream;
    this.#finWait = options.finWait;
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
    this.#unsent.push(this.#takePrefix(data));
    this.#scheduleWrite();
  }

  /**
   * Hands the bytes written so far to the stream in one call, after the
   * writes before them, with the FIN once close() was called. Writes and a
   * close() in the same turn (memberlist writes a message, then closes) thus
   * reach the stream together and the FIN rides in the same STREAM frame as
   * the last data. Sent apart, the FIN may reach a peer after it read the
   * message: Go's memberlist reads no further, so quic-go never sees the
   * stream's end, never frees its slot, and after 100 such streams (its
   * MAX_STREAMS) we can open no more (interop (m)).
   */
  #scheduleWrite(): void {
    if (this.#writeScheduled) return;
    this.#writeScheduled = true;
    const stream = this.#stream;
    this.#writing = this.#writing
      .then(() => {
        this.#writeScheduled = false;
        const bytes = concatAll(this.#unsent);
        this.#unsent = [];
        if (!this.#finRequested) return stream.write(bytes);
        return stream.end(bytes).catch((error: unknown) => {
          stream.reset(0);
          throw error;
        });
      })
      .catch((error: unknown) => {
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
   * FIN after the data, would run out of streams). Past DRAIN_LIMIT_BYTES,
   * or when `finWait` passes without the FIN, it stops reading instead.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedSignal.resolve(null);
    const tail = this.#takePrefix(EMPTY);
    if (tail.length > 0) this.#unsent.push(tail);
    this.#finRequested = true;
    this.#scheduleWrite();
    const stream = this.#stream;
    if (!this.#readEnded) void drainToFin(stream, this.#streamRead, this.#finWait);
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

/** How long a closed stream waits for the peer's FIN before it stops reading. */
export interface FinWait {
  readonly clock: Clock;
  readonly ms: number;
}

/**
 * Reads `stream` on to its FIN (after the read already under way, if any),
 * dropping the bytes; stops reading past DRAIN_LIMIT_BYTES or `finWait`, so a
 * peer that never finishes its side holds nothing for long.
 */
async function drainToFin(stream: QuicStream, underWay: Promise<Uint8Array | null> | undefined, finWait: FinWait | undefined): Promise<void> {
  let dropped = 0;
  const timer = finWait?.clock.after(finWait.ms, () => stream.stopReading(0));
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
  } finally {
    timer?.cancel();
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
