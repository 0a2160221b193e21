/**
 * One accepted connection. Requests are handed to the RpcHandler in the
 * order they arrive, without waiting for earlier replies, and the replies
 * leave in that same order (the only correlation Go's stream has): a
 * pipelining leader keeps several AppendEntries on one connection, and raft
 * stores the ones that arrived together with one log write. Go's handleConn
 * answers one request before it reads the next; replies are the same
 * bytes, in the same order, either way. At most MAX_OUTSTANDING requests
 * await replies (Go 1.1.2's pipeline depth); past that the connection is
 * not read. Replies ready together are written in one socket write.
 * InstallSnapshot is served alone: its data follows on the stream, so
 * earlier replies go out first and nothing is read past it until its
 * handler is done. Nothing is shared between connections: a heartbeat on
 * its own connection never waits behind an AppendEntries on another
 * (raft's handler answers heartbeats of the current leader without queueing).
 *
 * Deadlines (all on the injected clock): the first byte of the connection
 * must arrive within `firstByteTimeoutMs`; once a request has begun, the
 * whole of it (with its snapshot bytes, scaled by size like Go's client)
 * within `timeoutMs`; each write of replies within `timeoutMs`. Between
 * requests a connection may idle: Go clients pool connections indefinitely.
 * Any decode error closes the connection without a reply, as Go does.
 */
import { NEED_MORE, type Clock, type Logger, type Metrics, type Timer } from '@shoal/kit';
import { TransportShutdownError } from '../../errors.js';
import type { RpcHandler } from '../transport.js';
import { RequestReader, RpcType, WireEncoder, WireError, type RequestFrame, type WireFormat, type WireLimits } from '../wire/index.js';
import type { Conn } from './conn.js';
import { ConnectionClosedError } from './conn.js';
import { DropError, type DropReason } from './drop.js';
import { SnapshotData } from './snapshot-data.js';
import { snapshotTimeoutMs } from './timeouts.js';

export interface InboundOptions {
  clock: Clock;
  format: WireFormat;
  limits: WireLimits;
  timeoutMs: number;
  firstByteTimeoutMs: number;
  logger: Logger;
  metrics: Metrics;
  /** The transport's handler as it is now (raft installs it after the listener starts). */
  handler: () => RpcHandler | undefined;
}

/** Requests awaiting replies on one connection before it stops reading (Go 1.1.2's rpcMaxPipeline). */
const MAX_OUTSTANDING = 128;

type SimpleFrame = Exclude<RequestFrame, { type: typeof RpcType.InstallSnapshot }>;

/** A request handed to the handler, in arrival order, until its reply is written. */
interface Outstanding {
  type: RpcType;
  done: boolean;
  error: string;
  response: unknown;
}

export class InboundConn {
  readonly #options: InboundOptions;
  readonly #reader: RequestReader;
  readonly #encoder: WireEncoder;
  /** Requests dispatched and not yet answered on the wire, oldest first. */
  readonly #outstanding: Outstanding[] = [];
  #flushScheduled = false;
  #writing = false;
  /** Woken when replies have been written (room for more requests, or none left). */
  #onWritten: (() => void) | undefined;
  /** Clock time since which the connection has waited for a request with nothing outstanding; undefined while busy. */
  idleSinceMs: number | undefined;

  constructor(
    readonly conn: Conn,
    options: InboundOptions,
  ) {
    this.#options = options;
    this.#reader = new RequestReader(options.format.generation, options.limits);
    this.#encoder = new WireEncoder(options.format);
    this.idleSinceMs = options.clock.now();
    // serve() may be waiting for room while handlers run: a closed connection ends that wait.
    conn.onClose(() => this.#wakeWritten());
  }

  /** Serves requests until the peer hangs up or the connection fails; never throws. */
  async serve(): Promise<void> {
    const { logger, metrics } = this.#options;
    try {
      for (let first = true; ; first = false) {
        while (this.#outstanding.length >= MAX_OUTSTANDING) await this.#written();
        const frame = await this.#nextRequest(first);
        if (frame === undefined) break;
        this.idleSinceMs = undefined;
        // Every further request already received goes to the handler in
        // this same turn, so raft sees them together (one log write).
        for (let f: RequestFrame | undefined = frame; f !== undefined; f = this.#outstanding.length < MAX_OUTSTANDING ? this.#bufferedRequest() : undefined) {
          if (f.type === RpcType.InstallSnapshot) {
            while (this.#outstanding.length > 0) await this.#written();
            await this.#answerSnapshot(f);
            this.idleSinceMs = this.#options.clock.now();
            break;
          }
          this.#dispatch(f);
        }
      }
      this.conn.destroy();
    } catch (err) {
      const reason = dropReasonOf(err);
      this.conn.destroy(err);
      if (reason !== undefined) {
        metrics.incrCounter('raft.net.conn_dropped', 1, { reason });
        logger.warn({ remote: this.conn.remote, reason, error: String(err) }, 'dropping raft connection');
      } else if (!(err instanceof ConnectionClosedError) && !(err instanceof TransportShutdownError)) {
        logger.debug({ remote: this.conn.remote, error: String(err) }, 'raft connection failed');
      }
    }
  }

  /** Closes the connection as idle or evicted (the accept loop's fd bound). */
  drop(reason: DropReason, message: string): void {
    this.conn.destroy(new DropError(reason, message));
  }

  /** The next complete request, or undefined when the peer closed cleanly between requests. */
  async #nextRequest(first: boolean): Promise<RequestFrame | undefined> {
    const { clock, timeoutMs, firstByteTimeoutMs } = this.#options;
    let deadline: Timer | undefined;
    const startRequestDeadline = (): void => {
      deadline?.cancel();
      deadline = this.conn.deadline(clock, timeoutMs, () => new DropError('timeout', `request incomplete after ${timeoutMs} ms`));
    };
    if (first) deadline = this.conn.deadline(clock, firstByteTimeoutMs, () => new DropError('idle', `no request within ${firstByteTimeoutMs} ms of connecting`));
    else if (this.#reader.buffered > 0) startRequestDeadline();
    try {
      for (;;) {
        const frame = this.#reader.next();
        if (frame !== NEED_MORE && !('needMore' in frame)) return frame;
        const chunk = await this.conn.read();
        if (chunk === null) {
          if (this.#reader.buffered === 0) return undefined;
          throw new DropError('malformed', 'end of stream in the middle of a request');
        }
        if (first || this.#reader.buffered === 0) startRequestDeadline();
        first = false;
        this.#reader.push(chunk);
      }
    } finally {
      deadline?.cancel();
    }
  }

  /** A request complete in what has been read already, without reading more. */
  #bufferedRequest(): RequestFrame | undefined {
    const frame = this.#reader.next();
    return frame !== NEED_MORE && !('needMore' in frame) ? frame : undefined;
  }

  /** Hands a request to the handler; its reply is written once it and every earlier one are ready. */
  #dispatch(frame: SimpleFrame): void {
    const item: Outstanding = { type: frame.type, done: false, error: '', response: undefined };
    this.#outstanding.push(item);
    const handler = this.#options.handler();
    let answer: Promise<unknown>;
    try {
      answer = handler === undefined ? Promise.reject(new TransportShutdownError()) : dispatch(handler, frame);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (response) => this.#ready(item, '', response),
      (err: unknown) => this.#ready(item, messageOf(err), undefined),
    );
  }

  #ready(item: Outstanding, error: string, response: unknown): void {
    item.done = true;
    item.error = error;
    item.response = response;
    // A handler often answers several requests at once (one log write for
    // all): flushing a microtask later lets those replies share a write.
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  /** Writes every reply that is ready in order, in one write per batch; one writer at a time. */
  async #flush(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    const { clock, timeoutMs } = this.#options;
    try {
      while (this.#outstanding.length > 0 && this.#outstanding[0]!.done && !this.conn.closed) {
        let count = 0;
        while (count < this.#outstanding.length && this.#outstanding[count]!.done) {
          const item = this.#outstanding[count++]!;
          try {
            this.#encoder.writeReply(item.type, item.error, item.error === '' ? (item.response as never) : undefined);
          } catch (err) {
            this.#encoder.writeReply(item.type, messageOf(err), undefined);
          }
        }
        const bytes = this.#encoder.take();
        const deadline = this.conn.deadline(clock, timeoutMs, () => new DropError('timeout', `reply not written within ${timeoutMs} ms`));
        try {
          await this.conn.write(bytes);
        } finally {
          deadline.cancel();
        }
        this.#outstanding.splice(0, count);
        if (this.#outstanding.length === 0) this.idleSinceMs = clock.now();
        this.#wakeWritten();
      }
    } catch {
      // The connection is closed (the write failed or timed out): the read
      // side sees why and drops it; the remaining replies have nowhere to go.
    } finally {
      this.#writing = false;
      this.#wakeWritten();
    }
  }

  /** Resolves after the next write of replies, or once the connection has closed. */
  #written(): Promise<void> {
    if (this.conn.closed) return Promise.reject(this.conn.failure ?? new ConnectionClosedError());
    return new Promise((resolve) => {
      const previous = this.#onWritten;
      this.#onWritten = () => {
        previous?.();
        resolve();
      };
    });
  }

  #wakeWritten(): void {
    const wake = this.#onWritten;
    this.#onWritten = undefined;
    wake?.();
  }

  async #answerSnapshot(frame: Extract<RequestFrame, { type: typeof RpcType.InstallSnapshot }>): Promise<void> {
    const { clock, timeoutMs } = this.#options;
    const handler = this.#options.handler();
    let error = '';
    let response: unknown;
    const size = Math.max(0, frame.request.size);
    const data = new SnapshotData(this.conn, size, this.#reader.takeBuffered(size), clock, timeoutMs);
    const limitMs = snapshotTimeoutMs(timeoutMs, size);
    const deadline = this.conn.deadline(clock, limitMs, () => new DropError('timeout', `snapshot of ${size} bytes incomplete after ${limitMs} ms`));
    try {
      if (handler === undefined) throw new TransportShutdownError();
      response = await handler.installSnapshot(frame.request, data);
    } catch (err) {
      error = messageOf(err);
    }
    // The rest of the snapshot must leave the stream before the next request.
    if (!this.conn.closed) await data.drain();
    deadline.cancel();
    let bytes: Uint8Array;
    try {
      bytes = this.#encoder.reply(frame.type, error, error === '' ? (response as never) : undefined);
    } catch (err) {
      bytes = this.#encoder.reply(frame.type, messageOf(err), undefined);
    }
    const writeDeadline = this.conn.deadline(clock, timeoutMs, () => new DropError('timeout', `reply not written within ${timeoutMs} ms`));
    try {
      await this.conn.write(bytes);
    } finally {
      writeDeadline.cancel();
    }
  }
}

function dispatch(handler: RpcHandler, frame: SimpleFrame): Promise<unknown> {
  switch (frame.type) {
    case RpcType.AppendEntries:
      return handler.appendEntries(frame.request);
    case RpcType.RequestVote:
      return handler.requestVote(frame.request);
    case RpcType.TimeoutNow:
      return handler.timeoutNow(frame.request);
    case RpcType.RequestPreVote:
      return handler.requestPreVote(frame.request);
  }
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Go's processRPC never sends "" for a failure; "" would read as success.
  return text === '' ? 'unknown error' : text;
}

function dropReasonOf(err: unknown): DropReason | undefined {
  if (err instanceof DropError) return err.reason;
  if (err instanceof WireError) {
    if (err.code === 'ERR_WIRE_UNKNOWN_RPC') return 'unknown_rpc';
    if (err.code === 'ERR_WIRE_TOO_LARGE') return 'too_large';
    return 'malformed';
  }
  return undefined;
}
