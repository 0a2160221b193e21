/**
 * Go's Listener.Accept over Node's event-style servers: connections and
 * listener errors queue up until accept() takes them. The queue is bounded
 * (a transport that stops accepting must not pile up fds); overflowing
 * connections are closed at once.
 */
import type { Duplex } from 'node:stream';
import { StreamLayerClosedError } from './net-errors.js';

type Item = { stream: Duplex } | { error: unknown };

export class AcceptQueue {
  readonly #items: Item[] = [];
  #waiter: { resolve: (s: Duplex) => void; reject: (e: unknown) => void } | undefined;
  #closed = false;

  constructor(private readonly maxPending = 128) {}

  pushStream(stream: Duplex): void {
    if (this.#closed || (this.#waiter === undefined && this.#items.length >= this.maxPending)) {
      stream.destroy();
      return;
    }
    this.#deliver({ stream });
  }

  pushError(error: unknown): void {
    if (this.#closed || this.#items.length >= this.maxPending) return;
    this.#deliver({ error });
  }

  accept(): Promise<Duplex> {
    const item = this.#items.shift();
    if (item !== undefined) return 'stream' in item ? Promise.resolve(item.stream) : Promise.reject(item.error);
    if (this.#closed) return Promise.reject(new StreamLayerClosedError());
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Rejects the pending accept() and closes every queued connection. */
  close(): void {
    this.#closed = true;
    for (const item of this.#items.splice(0)) if ('stream' in item) item.stream.destroy();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new StreamLayerClosedError());
  }

  #deliver(item: Item): void {
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#items.push(item);
      return;
    }
    this.#waiter = undefined;
    if ('stream' in item) waiter.resolve(item.stream);
    else waiter.reject(item.error);
  }
}
