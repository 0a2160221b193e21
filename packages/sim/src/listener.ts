import { SimNetworkError } from './errors.js';
import type { SimNode } from './node.js';
import type { SimStream } from './stream.js';

interface Acceptor {
  resolve(stream: SimStream): void;
  reject(error: Error): void;
}

/**
 * Accepts stream connections on one port: through the handler given to
 * `SimNode.listen`, or else through `accept()` / `for await`.
 */
export class SimListener implements AsyncIterable<SimStream> {
  readonly node: SimNode;
  readonly port: number;
  /** "host:port" of this listener. */
  readonly address: string;
  readonly #onConnection: ((stream: SimStream) => void) | undefined;
  readonly #unbind: () => void;
  #backlog: SimStream[] = [];
  #acceptors: Acceptor[] = [];
  #closed = false;

  constructor(node: SimNode, port: number, onConnection: ((stream: SimStream) => void) | undefined, unbind: () => void) {
    this.node = node;
    this.port = port;
    this.address = node.address(port);
    this.#onConnection = onConnection;
    this.#unbind = unbind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next incoming connection. Rejects with EBADF once the listener is closed. */
  accept(): Promise<SimStream> {
    const next = this.#backlog.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => this.#acceptors.push({ resolve, reject }));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SimStream> {
    for (;;) {
      let stream: SimStream;
      try {
        stream = await this.accept();
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
      yield stream;
    }
  }

  /** Stops listening: pending accepts reject, connections not yet accepted are reset. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unbind();
    const acceptors = this.#acceptors;
    this.#acceptors = [];
    for (const acceptor of acceptors) acceptor.reject(this.#closedError());
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const stream of backlog) stream.reset();
  }

  /** A new connection arrived (called by the dial machinery). */
  deliver(stream: SimStream): void {
    if (this.#onConnection !== undefined) return this.#onConnection(stream);
    const acceptor = this.#acceptors.shift();
    if (acceptor !== undefined) acceptor.resolve(stream);
    else this.#backlog.push(stream);
  }

  #closedError(): SimNetworkError {
    return new SimNetworkError('EBADF', `listener ${this.address} is closed`);
  }
}
