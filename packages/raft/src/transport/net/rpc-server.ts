/**
 * The listening side: Go's listen loop (accept, back off 5 ms doubling to
 * 1 s on errors) plus what Go lacks, a bound on accepted connections. At the
 * bound, a new connection evicts the one that has idled longest (a peer
 * holding many idle connections cannot lock real peers out); when none is
 * idle, the new one is refused. Every connection is served on its own, by
 * InboundConn.
 */
import { sleep, type Clock } from '@shoal/kit';
import { TransportShutdownError } from '../../errors.js';
import { Conn } from './conn.js';
import { DropError } from './drop.js';
import { InboundConn, type InboundOptions } from './inbound-conn.js';
import type { StreamLayer } from './stream-layer.js';
import { nextAcceptBackoffMs } from './timeouts.js';

export interface RpcServerOptions extends InboundOptions {
  layer: StreamLayer;
  maxInboundConns: number;
}

export class RpcServer {
  readonly #options: RpcServerOptions;
  readonly #open = new Set<InboundConn>();
  readonly #stopped = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: RpcServerOptions) {
    this.#options = options;
  }

  /** Accepted connections open right now. */
  get openConns(): number {
    return this.#open.size;
  }

  start(): void {
    this.#loop ??= this.#acceptLoop();
  }

  /** Stops accepting and closes every accepted connection (handlers' replies then fail to send). */
  async close(): Promise<void> {
    this.#stopped.abort(new TransportShutdownError());
    // Ours to end before waiting on the layer: Node's server.close() (TCP,
    // TLS) settles only once every accepted socket has closed, and a peer
    // keeps its pooled connections to us open indefinitely (as Go's pool
    // does), so waiting first would wait on the peers forever. The layer's
    // close starts first so nothing new is accepted meanwhile.
    const listenerClosed = this.#options.layer.close();
    for (const inbound of this.#open) inbound.conn.destroy(new TransportShutdownError());
    await listenerClosed;
    await this.#loop;
  }

  async #acceptLoop(): Promise<void> {
    const { layer, clock, logger, metrics } = this.#options;
    let backoffMs = 0;
    while (!this.#stopped.signal.aborted) {
      let stream;
      try {
        stream = await layer.accept();
        backoffMs = 0;
      } catch (err) {
        if (this.#stopped.signal.aborted) return;
        backoffMs = nextAcceptBackoffMs(backoffMs);
        metrics.incrCounter('raft.net.accept_errors');
        logger.error({ error: String(err), backoffMs }, 'failed to accept raft connection');
        await sleep(clock, backoffMs, this.#stopped.signal).catch(() => undefined);
        continue;
      }
      if (this.#stopped.signal.aborted) {
        stream.destroy();
        return;
      }
      const conn = new Conn(stream, remoteOf(stream));
      if (!this.#makeRoom(clock)) {
        conn.destroy();
        metrics.incrCounter('raft.net.conn_dropped', 1, { reason: 'over_limit' });
        logger.warn({ remote: conn.remote, limit: this.#options.maxInboundConns }, 'refusing raft connection: every accepted connection is busy');
        continue;
      }
      const inbound = new InboundConn(conn, this.#options);
      this.#open.add(inbound);
      conn.onClose(() => this.#open.delete(inbound));
      void inbound.serve();
    }
  }

  /** Whether a new connection may be served, evicting the longest-idle one at the bound. */
  #makeRoom(clock: Clock): boolean {
    if (this.#open.size < this.#options.maxInboundConns) return true;
    let oldest: InboundConn | undefined;
    for (const inbound of this.#open) {
      const since = inbound.idleSinceMs;
      if (since !== undefined && !inbound.conn.closed && (oldest === undefined || since < oldest.idleSinceMs!)) oldest = inbound;
    }
    if (oldest === undefined) return false;
    const idleMs = clock.now() - oldest.idleSinceMs!;
    oldest.conn.destroy(new DropError('evicted', `evicted after ${Math.round(idleMs)} ms idle: ${this.#options.maxInboundConns} connections open`));
    this.#open.delete(oldest);
    return true;
  }
}

function remoteOf(stream: object): string {
  const { remoteAddress, remotePort } = stream as { remoteAddress?: string; remotePort?: number };
  return remoteAddress === undefined ? 'unknown' : `${remoteAddress}:${remotePort ?? '?'}`;
}

