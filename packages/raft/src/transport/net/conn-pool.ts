/**
 * The client side's connections (Go's connPool): per peer, a LIFO stack of
 * idle connections, at most `maxPool` of them; a connection is taken for one
 * RPC at a time and given back afterwards. Every connection it ever dialed,
 * idle or busy (pipelines and snapshots included), is tracked so close() can
 * end them all.
 */
import { timeoutSignal, type Clock } from '@shoal/kit';
import type { Duplex } from 'node:stream';
import { TransportShutdownError } from '../../errors.js';
import type { ServerAddress } from '../../ids.js';
import type { WireLimits } from '../wire/index.js';
import { ClientConn } from './client-conn.js';
import { Conn } from './conn.js';
import { DialError } from './net-errors.js';
import type { StreamLayer } from './stream-layer.js';

export interface ConnPoolOptions {
  layer: StreamLayer;
  clock: Clock;
  maxPool: number;
  dialTimeoutMs: number;
  limits: WireLimits;
}

export class ConnPool {
  readonly #options: ConnPoolOptions;
  readonly #idle = new Map<ServerAddress, ClientConn[]>();
  readonly #all = new Set<ClientConn>();
  #closed = false;

  constructor(options: ConnPoolOptions) {
    this.#options = options;
  }

  /** Connections open right now, idle or busy. */
  get size(): number {
    return this.#all.size;
  }

  /** An idle pooled connection to `target` (most recently used first), else a new one. */
  async take(target: ServerAddress): Promise<ClientConn> {
    const idle = this.#idle.get(target);
    while (idle !== undefined && idle.length > 0) {
      const conn = idle.pop()!;
      if (!conn.conn.closed) return conn;
    }
    return this.dial(target);
  }

  /** A new connection to `target`, never pooled unless given back. */
  async dial(target: ServerAddress): Promise<ClientConn> {
    if (this.#closed) throw new TransportShutdownError();
    const { layer, clock, dialTimeoutMs, limits } = this.#options;
    const timeout = timeoutSignal(clock, dialTimeoutMs);
    let stream: Duplex;
    try {
      stream = await abandonOnAbort(layer.dial(target, timeout.signal), timeout.signal);
    } catch (err) {
      const reason = timeout.signal.aborted ? `dial timed out after ${dialTimeoutMs} ms` : err instanceof Error ? err.message : String(err);
      throw new DialError(target, reason, { cause: err });
    } finally {
      timeout.cancel();
    }
    const client = new ClientConn(new Conn(stream, target), target, limits);
    if (this.#closed) {
      client.conn.destroy(new TransportShutdownError());
      throw new TransportShutdownError();
    }
    this.#all.add(client);
    client.conn.onClose(() => this.#forget(client));
    return client;
  }

  /** Returns a healthy connection after a completed RPC; closes it when the pool is full. */
  give(client: ClientConn): void {
    if (client.conn.closed) return;
    const idle = this.#idle.get(client.target) ?? [];
    if (this.#closed || idle.length >= this.#options.maxPool) {
      client.conn.destroy();
      return;
    }
    idle.push(client);
    this.#idle.set(client.target, idle);
  }

  /** Closes every connection, idle or busy: busy callers see TransportShutdownError. */
  close(): void {
    this.#closed = true;
    for (const client of [...this.#all]) client.conn.destroy(new TransportShutdownError());
    this.#all.clear();
    this.#idle.clear();
  }

  #forget(client: ClientConn): void {
    this.#all.delete(client);
    const idle = this.#idle.get(client.target);
    if (idle === undefined) return;
    const at = idle.indexOf(client);
    if (at >= 0) idle.splice(at, 1);
    if (idle.length === 0) this.#idle.delete(client.target);
  }
}

/** Settles like `dial`, or rejects when `signal` aborts first; a stream that connects too late is closed. */
function abandonOnAbort(dial: Promise<Duplex>, signal: AbortSignal): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dial.then(
      (stream) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) stream.destroy();
        else resolve(stream);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
