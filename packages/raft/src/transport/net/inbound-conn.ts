/**
 * One accepted connection, served as Go's handleConn does: strictly one
 * request at a time (decode → hand to the RpcHandler → write the reply →
 * next), so replies leave in request order. Nothing is shared between
 * connections: a heartbeat on its own connection never waits behind an
 * AppendEntries on another (raft's handler answers heartbeats of the
 * current leader without queueing).
 *
 * Deadlines (all on the injected clock): the first byte of the connection
 * must arrive within `firstByteTimeoutMs`; once a request has begun, the
 * whole of it (with its snapshot bytes, scaled by size like Go's client)
 * within `timeoutMs`; each reply must be written within `timeoutMs`. Between
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

export class InboundConn {
  readonly #options: InboundOptions;
  readonly #reader: RequestReader;
  readonly #encoder: WireEncoder;
  /** Clock time since which the connection has waited for a request; undefined while one is in progress. */
  idleSinceMs: number | undefined;

  constructor(
    readonly conn: Conn,
    options: InboundOptions,
  ) {
    this.#options = options;
    this.#reader = new RequestReader(options.format.generation, options.limits);
    this.#encoder = new WireEncoder(options.format);
    this.idleSinceMs = options.clock.now();
  }

  /** Serves requests until the peer hangs up or the connection fails; never throws. */
  async serve(): Promise<void> {
    const { logger, metrics } = this.#options;
    try {
      for (let first = true; ; first = false) {
        const frame = await this.#nextRequest(first);
        if (frame === undefined) break;
        this.idleSinceMs = undefined;
        await this.#answer(frame);
        this.idleSinceMs = this.#options.clock.now();
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

  async #answer(frame: RequestFrame): Promise<void> {
    const { clock, timeoutMs } = this.#options;
    const handler = this.#options.handler();
    let error = '';
    let response: unknown;
    if (frame.type === RpcType.InstallSnapshot) {
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
    } else {
      try {
        if (handler === undefined) throw new TransportShutdownError();
        response = await dispatch(handler, frame);
      } catch (err) {
        error = messageOf(err);
      }
    }
    let bytes: Uint8Array;
    try {
      bytes = this.#encoder.reply(frame.type, error, error === '' ? (response as never) : undefined);
    } catch (err) {
      bytes = this.#encoder.reply(frame.type, messageOf(err), undefined);
    }
    const deadline = this.conn.deadline(clock, timeoutMs, () => new DropError('timeout', `reply not written within ${timeoutMs} ms`));
    try {
      await this.conn.write(bytes);
    } finally {
      deadline.cancel();
    }
  }
}

function dispatch(handler: RpcHandler, frame: Exclude<RequestFrame, { type: typeof RpcType.InstallSnapshot }>): Promise<unknown> {
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
