import type { Socket } from 'node:net';
import { type Clock, type Logger, type Metrics, noopMetrics, realClock, silentLogger } from '@shoal/kit';
import { type Address, type IPNet, joinHostPort, netContains, parseCIDRs, parseIP, splitHostPort } from '../address.js';
import { MemberlistError, MemberlistErrorCode, TransportError } from '../errors.js';
import type { AdvertiseAddress, NodeAwareTransport, TransportHandler } from '../transport.js';
import { finalAdvertiseAddress } from './advertise.js';
import { dialTcp, Listeners } from './listeners.js';
import { SocketStream } from './socket-stream.js';

export interface NetTransportConfig {
  /** Addresses to bind, IPv4 or IPv6 text. Default ['0.0.0.0']. */
  bindAddrs?: readonly string[];
  /** Port for both UDP and TCP on every bind address; 0 picks a free one (see `port`). Default 7946. */
  bindPort?: number;
  /**
   * Only packets and streams from these networks are accepted (Go's
   * CIDRsAllowed); everything else is dropped and counted. Unset: all.
   */
  cidrsAllowed?: readonly string[];
  /** Streams with no traffic for this long are closed. 0 disables. Default 0 (the list applies TCPTimeout). */
  streamIdleTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
}

/**
 * memberlist's transport on real networks (Go's NetTransport): UDP for
 * packets and TCP for streams, on one port per bind address.
 */
export class NetTransport implements NodeAwareTransport {
  readonly #listeners: Listeners;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #allowed: IPNet[] | undefined;
  readonly #idleMs: number;
  readonly #open = new Set<SocketStream>();
  #handler: TransportHandler | undefined;
  #shutdown = false;

  private constructor(listeners: Listeners, config: NetTransportConfig, allowed: IPNet[] | undefined) {
    this.#listeners = listeners;
    this.#clock = config.clock ?? realClock;
    this.#logger = config.logger ?? silentLogger;
    this.#metrics = config.metrics ?? noopMetrics;
    this.#allowed = allowed;
    this.#idleMs = config.streamIdleTimeoutMs ?? 0;
  }

  /** Binds the sockets. Rejects with a clear error when an address is bad or a port is taken. */
  static async create(config: NetTransportConfig = {}): Promise<NetTransport> {
    let allowed: IPNet[] | undefined;
    if (config.cidrsAllowed !== undefined) {
      const parsed = parseCIDRs(config.cidrsAllowed);
      if (parsed.errors.length > 0) {
        throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `invalid CIDRs: ${parsed.errors.join('; ')}`);
      }
      allowed = parsed.nets;
    }
    // Sockets may deliver before the constructor below has run; those events go nowhere.
    const ref: { transport?: NetTransport } = {};
    const listeners = await Listeners.bind(
      {
        bindAddrs: config.bindAddrs ?? ['0.0.0.0'],
        bindPort: config.bindPort ?? 7946,
        clock: config.clock ?? realClock,
        logger: config.logger ?? silentLogger,
        metrics: config.metrics ?? noopMetrics,
      },
      {
        onPacket: (buf, from, timestampMs) => {
          const t = ref.transport;
          if (t) t.#onPacket(buf, from, timestampMs);
        },
        onStream: (socket) => {
          if (ref.transport) ref.transport.#onStream(socket);
          else socket.destroy();
        },
      },
    );
    ref.transport = new NetTransport(listeners, config, allowed);
    return ref.transport;
  }

  /** The bound port (the chosen one when bindPort was 0). Go's GetAutoBindPort. */
  get port(): number {
    return this.#listeners.port;
  }

  finalAdvertiseAddr(ip: string, port: number): AdvertiseAddress {
    try {
      const chosen = finalAdvertiseAddress(ip || undefined, port || undefined, this.#listeners.firstHost, this.#listeners.port);
      const bytes = parseIP(chosen.host);
      if (!bytes) throw new Error(`failed to parse advertise address '${chosen.host}'`);
      return { ip: bytes, port: chosen.port };
    } catch (error) {
      throw new MemberlistError(MemberlistErrorCode.InvalidConfig, (error as Error).message, { cause: error });
    }
  }

  writeTo(buf: Uint8Array, addr: string): number {
    if (this.#shutdown) throw new TransportError('transport is shut down', false);
    const sent = this.#listeners.send(buf, addr, (error) => {
      this.#metrics.incrCounter('memberlist.net.udp.send_error');
      this.#logger.warn({ err: error, to: addr }, 'memberlist: UDP send failed');
    });
    if (!sent) throw new TransportError(`cannot send to '${addr}': not an ip:port address`, false);
    this.#metrics.incrCounter('memberlist.net.udp.sent', buf.length);
    return this.#clock.now();
  }

  writeToAddress(buf: Uint8Array, addr: Address): number {
    return this.writeTo(buf, addr.addr);
  }

  async dialTimeout(addr: string, timeoutMs: number): Promise<SocketStream> {
    if (this.#shutdown) throw new TransportError('transport is shut down', false);
    const target = splitHostPort(addr);
    if (!target) throw new TransportError(`cannot dial '${addr}': not a host:port address`, false);
    let socket: Socket;
    try {
      socket = await dialTcp(target.host, target.port, timeoutMs, this.#clock);
    } catch (error) {
      throw new TransportError(`failed to dial ${addr}: ${(error as Error).message}`, true, { cause: error });
    }
    this.#metrics.incrCounter('memberlist.net.tcp.connect');
    return this.#track(new SocketStream(socket, addr, this.#clock, this.#idleMs));
  }

  dialAddressTimeout(addr: Address, timeoutMs: number): Promise<SocketStream> {
    return this.dialTimeout(addr.addr, timeoutMs);
  }

  listen(handler: TransportHandler): void {
    this.#handler = handler;
  }

  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    for (const stream of this.#open) stream.abort();
    this.#open.clear();
    await this.#listeners.close();
  }

  #allowedFrom(from: string): boolean {
    if (!this.#allowed) return true;
    const ip = parseIP(splitHostPort(from)?.host ?? '');
    return ip !== undefined && this.#allowed.some((net) => netContains(net, ip));
  }

  #onPacket(buf: Uint8Array, from: string, timestampMs: number): void {
    if (this.#shutdown || !this.#handler) return;
    if (!this.#allowedFrom(from)) {
      this.#metrics.incrCounter('memberlist.net.udp.dropped', 1, { reason: 'cidr' });
      return;
    }
    try {
      this.#handler.packet({ buf, from, timestampMs });
    } catch (error) {
      // Nothing from the network may crash the process: count, log, carry on.
      this.#metrics.incrCounter('memberlist.net.udp.dropped', 1, { reason: 'handler' });
      this.#logger.error({ err: error, from }, 'memberlist: packet handler failed');
    }
  }

  #onStream(socket: Socket): void {
    const from = joinHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    if (this.#shutdown || !this.#handler || !this.#allowedFrom(from)) {
      this.#metrics.incrCounter('memberlist.net.tcp.dropped', 1, { reason: this.#shutdown ? 'shutdown' : 'cidr' });
      socket.destroy();
      return;
    }
    const stream = this.#track(new SocketStream(socket, from, this.#clock, this.#idleMs));
    try {
      this.#handler.stream(stream);
    } catch (error) {
      this.#metrics.incrCounter('memberlist.net.tcp.dropped', 1, { reason: 'handler' });
      this.#logger.error({ err: error, from }, 'memberlist: stream handler failed');
      stream.close();
    }
  }

  #track(stream: SocketStream): SocketStream {
    this.#open.add(stream);
    stream.onClose(() => this.#open.delete(stream));
    return stream;
  }
}
