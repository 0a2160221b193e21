import { AsyncQueue, type Logger } from '@shoal/kit';
import type { EventDelegate, NodeEvent, NodeEventType } from './delegates.js';
import type { Node } from './node.js';

/** Listener signatures of the typed events a Memberlist emits. */
export interface MemberlistEvents {
  join: (node: Node) => void;
  leave: (node: Node) => void;
  update: (node: Node) => void;
}

/** Options of `Memberlist.events()`: the async stream of membership events. */
export interface EventStreamOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

/**
 * Delivers membership callbacks outside the list's internal work. State
 * changes run inside `run`; the events and delegate calls they cause are
 * queued and handed out, in order, once the outermost `run` returns. A
 * callback may therefore call back into the list — read members, send, even
 * leave — which deadlocks in Go, where callbacks run under the node lock.
 */
export class EventDispatcher {
  readonly #logger: Logger;
  readonly #delegate: EventDelegate | undefined;
  readonly #listeners: { [K in NodeEventType]: Set<(node: Node) => void> } = { join: new Set(), leave: new Set(), update: new Set() };
  readonly #streams = new Set<AsyncQueue<NodeEvent>>();
  #pending: (() => void)[] = [];
  #depth = 0;
  #flushing = false;
  #closed = false;

  constructor(logger: Logger, delegate?: EventDelegate) {
    this.#logger = logger;
    this.#delegate = delegate;
  }

  /** Whether anything consumes node events (lets hot paths skip building them). */
  get wanted(): boolean {
    return this.#delegate !== undefined || this.#streams.size > 0 || this.#listeners.join.size + this.#listeners.leave.size + this.#listeners.update.size > 0;
  }

  /** Runs `fn` as one critical section; deferred callbacks run when the outermost section ends. */
  run<T>(fn: () => T): T {
    this.#depth++;
    try {
      return fn();
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.flush();
    }
  }

  /** Queues a node event. */
  emit(event: NodeEvent): void {
    if (this.#closed || !this.wanted) return;
    this.#pending.push(() => this.#deliver(event));
    if (this.#depth === 0) this.flush();
  }

  /** Queues any other callback (conflict notifications, completion signals). */
  post(fn: () => void): void {
    this.#pending.push(fn);
    if (this.#depth === 0) this.flush();
  }

  /** Runs queued callbacks, including those they queue in turn. */
  flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) {
        try {
          this.#pending[i]!();
        } catch (err) {
          this.#logger.error({ err }, 'memberlist: event callback threw');
        }
      }
    } finally {
      this.#pending = [];
      this.#flushing = false;
    }
  }

  on<K extends NodeEventType>(type: K, listener: MemberlistEvents[K]): () => void {
    this.#listeners[type].add(listener);
    return () => this.off(type, listener);
  }

  off<K extends NodeEventType>(type: K, listener: MemberlistEvents[K]): void {
    this.#listeners[type].delete(listener);
  }

  /**
   * Every event from now on as an async iterator (Go's ChannelEventDelegate).
   * The buffer is unbounded, so a slow consumer never stalls the list. It ends
   * at shutdown or when `signal` aborts.
   */
  stream(options: EventStreamOptions = {}): AsyncIterableIterator<NodeEvent> {
    const queue = new AsyncQueue<NodeEvent>();
    const signal = options.signal;
    const close = (): void => {
      this.#streams.delete(queue);
      if (!queue.closed) queue.close();
    };
    if (this.#closed || signal?.aborted) queue.close();
    else {
      this.#streams.add(queue);
      signal?.addEventListener('abort', close, { once: true });
    }
    const inner = queue[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<NodeEvent> = {
      next: () => inner.next(),
      return: async (value?: unknown) => {
        close();
        signal?.removeEventListener('abort', close);
        return { done: true, value: value as NodeEvent };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends every event stream; later events are dropped. */
  close(): void {
    this.flush();
    this.#closed = true;
    for (const q of this.#streams) q.close();
    this.#streams.clear();
  }

  #deliver(event: NodeEvent): void {
    const d = this.#delegate;
    if (d) {
      if (event.type === 'join') d.notifyJoin(event.node);
      else if (event.type === 'leave') d.notifyLeave(event.node);
      else d.notifyUpdate(event.node);
    }
    for (const listener of this.#listeners[event.type]) {
      try {
        listener(event.node);
      } catch (err) {
        this.#logger.error({ err, event: event.type }, 'memberlist: event listener threw');
      }
    }
    for (const q of this.#streams) q.tryPush(event);
  }
}
