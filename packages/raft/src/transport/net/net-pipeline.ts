/**
 * Go's netPipeline: AppendEntries written back to back on one dedicated
 * connection, replies read in the same order (the only correlation Go's
 * stream has). At most `maxInFlight` requests await replies; appendEntries
 * waits for room (back-pressure). Each reply must arrive within `timeoutMs`
 * of the reader starting to wait for it, as Go sets a read deadline per
 * future. An error string fails only its own request; a broken connection
 * fails every outstanding one, and close() fails them with
 * PipelineShutdownError.
 *
 * appendEntries returns once its request is queued, not once it is written:
 * the requests queued while the caller's work of this turn goes on leave
 * in one socket write, on the next tick (a replicator sends a large append
 * as several requests of maxAppendEntries, and each write on loopback costs
 * a wake-up of the peer). A failed or late write fails the pipeline, as a
 * failed write would have failed the call.
 */
import { Deferred, type Clock } from '@shoal/kit';
import type { AppendEntriesRequest, AppendEntriesResponse } from '../../commands.js';
import { PipelineShutdownError, RpcTimeoutError } from '../../errors.js';
import { RpcType, type Reply, type WireEncoder } from '../wire/index.js';
import type { AppendFuture, AppendPipeline } from '../transport.js';
import type { ClientConn } from './client-conn.js';
import { RemoteRpcError } from './net-errors.js';

export interface NetPipelineOptions {
  clock: Clock;
  encoder: WireEncoder;
  timeoutMs: number;
  maxInFlight: number;
  onClose: () => void;
}

export class NetPipeline implements AppendPipeline {
  readonly #client: ClientConn;
  readonly #options: NetPipelineOptions;
  /** Requests written and not yet answered, oldest first. */
  readonly #outstanding: Deferred<AppendEntriesResponse>[] = [];
  /** appendEntries calls waiting for room. */
  readonly #waiters: (() => void)[] = [];
  #readerIdle: (() => void) | undefined;
  #failure: unknown;
  /** Encoded requests waiting for the next write. */
  #unwritten: Uint8Array[] = [];
  #flushScheduled = false;

  constructor(client: ClientConn, options: NetPipelineOptions) {
    this.#client = client;
    this.#options = options;
    void this.#readReplies();
  }

  async appendEntries(req: AppendEntriesRequest): Promise<AppendFuture> {
    while (this.#failure === undefined && this.#outstanding.length >= this.#options.maxInFlight) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#failure !== undefined) throw this.#failure;
    const { clock, encoder } = this.#options;
    const bytes = encoder.request({ type: RpcType.AppendEntries, request: req });
    const reply = new Deferred<AppendEntriesResponse>();
    const startMs = clock.now();
    this.#outstanding.push(reply);
    this.#wakeReader();
    this.#unwritten.push(bytes);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => void this.#flush());
    }
    return { startMs, request: req, response: reply.promise };
  }

  /** Writes every queued request in one write, within timeoutMs; a failure ends the pipeline. */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const chunks = this.#unwritten;
    this.#unwritten = [];
    if (this.#failure !== undefined || chunks.length === 0) return;
    const { clock, timeoutMs } = this.#options;
    const conn = this.#client.conn;
    const deadline = conn.deadline(clock, timeoutMs, () => new RpcTimeoutError());
    try {
      await conn.write(chunks.length === 1 ? chunks[0]! : concatBytes(chunks));
    } catch (err) {
      this.#fail(err);
    } finally {
      deadline.cancel();
    }
  }

  async close(): Promise<void> {
    this.#fail(new PipelineShutdownError());
  }

  async #readReplies(): Promise<void> {
    const { clock, timeoutMs } = this.#options;
    const conn = this.#client.conn;
    while (this.#failure === undefined) {
      const head = this.#outstanding[0];
      if (head === undefined) {
        await new Promise<void>((resolve) => (this.#readerIdle = resolve));
        continue;
      }
      const deadline = conn.deadline(clock, timeoutMs, () => new RpcTimeoutError());
      try {
        this.#settle(await this.#client.readReply(RpcType.AppendEntries));
        // Replies that came in the same read are settled in this same turn,
        // so the replicator counts them all before the commit they allow runs.
        for (;;) {
          if (this.#outstanding.length === 0) break;
          const next = this.#client.bufferedReply(RpcType.AppendEntries);
          if (next === undefined) break;
          this.#settle(next);
        }
      } catch (err) {
        this.#fail(err);
      } finally {
        deadline.cancel();
      }
    }
  }

  /** The oldest outstanding request's reply has come. */
  #settle(reply: Reply<typeof RpcType.AppendEntries>): void {
    const head = this.#outstanding.shift()!;
    if (reply.error !== '') head.reject(new RemoteRpcError(reply.error));
    else if (reply.response === undefined) head.reject(new RemoteRpcError('nil response'));
    else head.resolve(reply.response);
    this.#waiters.shift()?.();
  }

  #wakeReader(): void {
    const wake = this.#readerIdle;
    this.#readerIdle = undefined;
    wake?.();
  }

  /** Ends the pipeline for good: its connection closes, every outstanding and waiting call fails. */
  #fail(reason: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = reason;
    this.#client.conn.destroy(reason);
    for (const reply of this.#outstanding.splice(0)) reply.reject(reason);
    for (const wake of this.#waiters.splice(0)) wake();
    this.#wakeReader();
    this.#options.onClose();
  }
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
