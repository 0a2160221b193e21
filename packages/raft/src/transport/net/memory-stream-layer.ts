/**
 * StreamLayers in one process, joined by in-memory duplex pairs: for unit
 * tests of NetworkTransport that need no sockets. Closing one end ends the
 * other, as a TCP FIN would; closing a layer waits for its accepted streams,
 * as closing a TCP listener does.
 */
import { Duplex } from 'node:stream';
import type { ServerAddress } from '../../ids.js';
import { AcceptQueue } from './accept-queue.js';
import type { StreamLayer } from './stream-layer.js';

class PairEnd extends Duplex {
  peer: PairEnd | undefined;

  constructor() {
    // As a TCP socket: the end of one direction ends the connection.
    super({ allowHalfOpen: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    // Copy: the writer may reuse its buffer once the write completes.
    this.peer?.push(Uint8Array.prototype.slice.call(chunk));
    done();
  }

  override _read(): void {}

  override _final(done: (err?: Error | null) => void): void {
    this.peer?.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer !== undefined && !peer.destroyed) peer.push(null);
    done(err);
  }
}

/** Two connected duplex streams. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Addresses to layers, like a loopback network. */
export class MemoryNetwork {
  readonly #listeners = new Map<ServerAddress, MemoryStreamLayer>();

  listen(addr: ServerAddress): MemoryStreamLayer {
    const layer = new MemoryStreamLayer(this, addr);
    this.#listeners.set(addr, layer);
    return layer;
  }

  /** @internal */
  connect(addr: ServerAddress): Duplex {
    const layer = this.#listeners.get(addr);
    if (layer === undefined || layer.closed) throw new Error(`connect ECONNREFUSED ${addr}`);
    const [client, server] = duplexPair();
    layer.track(server);
    layer.queue.pushStream(server);
    return client;
  }
}

export class MemoryStreamLayer implements StreamLayer {
  /** @internal */
  readonly queue = new AcceptQueue();
  closed = false;
  /** Server ends not yet closed: close() waits for them, as Node's server.close() does. */
  readonly #accepted = new Set<Duplex>();

  constructor(
    private readonly network: MemoryNetwork,
    readonly addr: ServerAddress,
  ) {}

  accept(): Promise<Duplex> {
    return this.queue.accept();
  }

  async dial(address: ServerAddress): Promise<Duplex> {
    return this.network.connect(address);
  }

  /** @internal */
  track(stream: Duplex): void {
    this.#accepted.add(stream);
    stream.once('close', () => this.#accepted.delete(stream));
  }

  /**
   * Stops listening and, like net.Server's close(), settles only once every
   * accepted stream has closed, so a transport that leaves its accepted
   * connections open hangs here as it would over TCP.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.close();
    await Promise.all([...this.#accepted].map((stream) => (stream.closed ? undefined : new Promise((resolve) => stream.once('close', resolve)))));
  }
}
