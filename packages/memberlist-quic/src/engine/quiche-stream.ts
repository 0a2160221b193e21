// A QUIC stream over the native quiche connection: reads are pulled from
// quiche when the connection reports the stream readable (and paused above a
// high-water mark so flow control pushes back); writes go straight to quiche
// and park the remainder until the peer grants credit.
import { Deferred } from '@shoal/kit';
import { QuicStreamResetError } from './errors.js';
import { SHUTDOWN_READ, SHUTDOWN_WRITE, streamErrorCode, type NativeConnection } from './native.js';
import type { QuicStream } from './types.js';

/** What a stream needs from its connection. */
export interface StreamHost {
  readonly conn: NativeConnection;
  /** Sends what quiche has queued (soon, coalescing). */
  scheduleFlush(): void;
  /** Registers a stream with a write waiting for credit. */
  blocked(stream: QuicheStream): void;
  /** The stream is finished both ways; forget it. */
  finished(stream: QuicheStream): void;
  /** Non-null once the connection is closed. */
  closedError(): Error | null;
  /** Shared scratch buffer for streamRecv. */
  readonly scratch: Uint8Array;
}

const READ_HIGH_WATER = 1024 * 1024;
const EMPTY = new Uint8Array(0);

interface PendingWrite {
  data: Uint8Array;
  fin: boolean;
  done: Deferred<void>;
}

export class QuicheStream implements QuicStream {
  readonly bidi: boolean;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #readEnded: boolean;
  #readError: Error | null = null;
  #reader: Deferred<Uint8Array | null> | null = null;
  #paused = false;
  #writeEnded: boolean;
  #writeError: Error | null = null;
  #pending: PendingWrite[] = [];
  #done = new Deferred<void>();

  constructor(
    readonly host: StreamHost,
    readonly id: number,
    readonly local: boolean,
  ) {
    this.bidi = (id & 2) === 0;
    // A uni stream has one direction only.
    this.#readEnded = !this.bidi && local;
    this.#writeEnded = !this.bidi && !local;
  }

  get done(): Promise<void> {
    return this.#done.promise;
  }

  // ---- reading ----

  /** The connection saw this stream readable: pull what quiche has. */
  onReadable(): void {
    if (this.#readEnded) {
      this.#discard();
      return;
    }
    if (this.#paused) return;
    const conn = this.host.conn;
    const scratch = this.host.scratch;
    for (;;) {
      let r: [number, boolean] | null;
      try {
        r = conn.streamRecv(this.id, scratch);
      } catch (e) {
        const code = streamErrorCode(e, 'StreamReset');
        this.#failRead(code !== null ? new QuicStreamResetError(this.id, code, 'read') : (e as Error));
        return;
      }
      if (r === null) return;
      const [n, fin] = r;
      if (n > 0) this.#push(scratch.slice(0, n));
      if (fin) {
        this.#endRead();
        return;
      }
      if (this.#queued >= READ_HIGH_WATER) {
        this.#paused = true;
        return;
      }
    }
  }

  #discard(): void {
    const conn = this.host.conn;
    try {
      while (conn.streamRecv(this.id, this.host.scratch) !== null) {
        /* drop */
      }
    } catch {
      /* reset or collected */
    }
  }

  #push(chunk: Uint8Array): void {
    if (this.#reader !== null) {
      const r = this.#reader;
      this.#reader = null;
      r.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
  }

  #endRead(): void {
    this.#readEnded = true;
    if (this.#reader !== null && this.#head >= this.#chunks.length) {
      const r = this.#reader;
      this.#reader = null;
      r.resolve(null);
    }
    this.#maybeDone();
  }

  #failRead(err: Error): void {
    if (this.#readEnded && this.#readError === null && this.#head >= this.#chunks.length && this.#reader === null) {
      this.#maybeDone();
      return;
    }
    this.#readEnded = true;
    this.#readError = err;
    if (this.#reader !== null) {
      const r = this.#reader;
      this.#reader = null;
      r.reject(err);
    }
    this.#maybeDone();
  }

  read(): Promise<Uint8Array | null> {
    if (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head]!;
      this.#chunks[this.#head++] = EMPTY;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      }
      this.#queued -= chunk.length;
      if (this.#paused && this.#queued < READ_HIGH_WATER / 2) {
        this.#paused = false;
        this.onReadable();
        this.host.scheduleFlush();
      }
      return Promise.resolve(chunk);
    }
    if (this.#readError !== null) return Promise.reject(this.#readError);
    if (this.#readEnded) return Promise.resolve(null);
    if (this.#reader !== null) return Promise.reject(new Error('QuicStream: concurrent read'));
    this.#reader = new Deferred<Uint8Array | null>();
    return this.#reader.promise;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }

  stopReading(code: number): void {
    if (this.#readEnded) return;
    try {
      this.host.conn.streamShutdown(this.id, SHUTDOWN_READ, code);
    } catch {
      /* already gone */
    }
    this.#chunks.length = 0;
    this.#head = 0;
    this.#queued = 0;
    this.#endRead();
    this.host.scheduleFlush();
  }

  // ---- writing ----

  write(data: Uint8Array): Promise<void> {
    return this.#write(data, false);
  }

  end(data?: Uint8Array): Promise<void> {
    return this.#write(data ?? EMPTY, true);
  }

  #write(data: Uint8Array, fin: boolean): Promise<void> {
    if (this.#writeError !== null) return Promise.reject(this.#writeError);
    const closed = this.host.closedError();
    if (closed !== null) return Promise.reject(closed);
    if (this.#writeEnded) return Promise.reject(new Error(`QuicStream ${this.id}: write after end`));
    if (fin) this.#writeEnded = true;
    if (this.#pending.length === 0) {
      const n = this.#send(data, fin);
      if (n === -1) return Promise.reject(this.#writeError);
      this.host.scheduleFlush();
      if (n === data.length) {
        if (fin) this.#maybeDone();
        return Promise.resolve();
      }
      if (n > 0) data = data.subarray(n);
    }
    const done = new Deferred<void>();
    this.#pending.push({ data, fin, done });
    this.host.blocked(this);
    return done.promise;
  }

  /** Bytes quiche accepted (a FIN goes with the last byte); -2 when it took nothing; -1 on error (writeError set). */
  #send(data: Uint8Array, fin: boolean): number {
    try {
      const n = this.host.conn.streamSend(this.id, data, fin);
      return n ?? -2;
    } catch (e) {
      const code = streamErrorCode(e, 'StreamStopped');
      this.#failWrite(code !== null ? new QuicStreamResetError(this.id, code, 'write') : (e as Error));
      return -1;
    }
  }

  /** Credit may have arrived: continue parked writes. Returns true while still blocked. */
  resumeWrites(): boolean {
    while (this.#pending.length > 0) {
      const p = this.#pending[0]!;
      const n = this.#send(p.data, p.fin);
      if (n === -1) return false;
      if (n === -2) return true;
      if (n < p.data.length) {
        p.data = p.data.subarray(n);
        return true;
      }
      this.#pending.shift();
      p.done.resolve();
      if (p.fin) this.#maybeDone();
    }
    return false;
  }

  reset(code: number): void {
    if (this.#writeError !== null || (!this.bidi && !this.local)) return;
    try {
      this.host.conn.streamShutdown(this.id, SHUTDOWN_WRITE, code);
    } catch {
      /* already gone */
    }
    this.#failWrite(new Error(`QuicStream ${this.id}: reset locally with code ${code}`));
    this.host.scheduleFlush();
  }

  #failWrite(err: Error): void {
    this.#writeEnded = true;
    this.#writeError = err;
    for (const p of this.#pending.splice(0)) p.done.reject(err);
    this.#maybeDone();
  }

  /** The connection closed: fail everything pending. */
  abort(err: Error): void {
    if (!this.#readEnded) this.#failRead(err);
    else if (this.#reader !== null) this.#failRead(err);
    if (this.#pending.length > 0 || !this.#writeEnded) this.#failWrite(err);
    this.#done.resolve();
  }

  #maybeDone(): void {
    if (this.#readEnded && this.#writeEnded && this.#pending.length === 0 && !this.#done.settled) {
      this.#done.resolve();
      this.host.finished(this);
    }
  }
}
