import { abortReason } from './clock.js';
import { ShoalError } from './errors.js';

/** The queue was closed. `code` is ERR_QUEUE_CLOSED. */
export class QueueClosedError extends ShoalError {
  constructor() {
    super('ERR_QUEUE_CLOSED', 'queue is closed');
  }
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A FIFO between producers and consumers with back-pressure: `push` waits while
 * `capacity` items are queued; `shift` waits while none are. Go code uses
 * buffered channels for this; here it is also an async iterable, so
 * `for await (const item of queue)` consumes until `close()`.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #closed = false;
  readonly #takers: Waiter<T>[] = [];
  readonly #pushers: (Waiter<void> & { item: T })[] = [];

  constructor(capacity = Infinity) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an item if there is room (or a consumer waiting); false otherwise. Throws once closed. */
  tryPush(item: T): boolean {
    if (this.#closed) throw new QueueClosedError();
    const taker = this.#takers.shift();
    if (taker) {
      settle(taker);
      taker.resolve(item);
      return true;
    }
    if (this.size >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** Adds an item, waiting for room. Rejects if the queue closes or the signal aborts first. */
  push(item: T, signal?: AbortSignal): Promise<void> {
    if (this.tryPush(item)) return Promise.resolve();
    return this.#wait(this.#pushers, signal, { item }) as Promise<void>;
  }

  /** Removes the oldest item, if any, without waiting. */
  tryShift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.#admitPusher();
    return item;
  }

  /** Removes the oldest item, waiting for one. Rejects with QueueClosedError once closed and drained. */
  shift(signal?: AbortSignal): Promise<T> {
    if (this.size > 0) return Promise.resolve(this.tryShift()!);
    const pusher = this.#pushers.shift();
    if (pusher) {
      settle(pusher);
      pusher.resolve();
      return Promise.resolve(pusher.item);
    }
    if (this.#closed) return Promise.reject(new QueueClosedError());
    return this.#wait(this.#takers, signal, {}) as Promise<T>;
  }

  /** No more pushes. Waiting consumers get QueueClosedError once the queue drains; waiting producers at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#takers.splice(0)) {
      settle(w);
      w.reject(new QueueClosedError());
    }
    for (const w of this.#pushers.splice(0)) {
      settle(w);
      w.reject(new QueueClosedError());
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.shift();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
    }
  }

  #admitPusher(): void {
    while (this.size < this.capacity) {
      const pusher = this.#pushers.shift();
      if (!pusher) return;
      settle(pusher);
      this.#items.push(pusher.item);
      pusher.resolve();
    }
  }

  #wait<W extends Waiter<never>>(list: W[], signal: AbortSignal | undefined, extra: object): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, signal, onAbort: undefined as (() => void) | undefined, ...extra } as unknown as W;
      if (signal) {
        waiter.onAbort = () => {
          const i = list.indexOf(waiter);
          if (i >= 0) list.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      list.push(waiter);
    });
  }
}

function settle(w: Waiter<never> | Waiter<unknown> | Waiter<void>): void {
  if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
}
