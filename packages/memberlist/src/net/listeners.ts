// Real sockets: UDP for packets and TCP for streams, on one port per bind
// address, as Go's NetTransport binds them. The only memberlist file that
// opens sockets; everything above it sees packets and streams.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock, Logger, Metrics } from '@shoal/kit';
import { ShoalError } from '@shoal/kit';
import { ipFamily as isIP } from './ip-family.js';
import { joinHostPort, splitHostPort } from '../address.js';

/** Go reads UDP into 64 KiB buffers and asks the kernel for a 2 MiB receive buffer. */
export const UDP_RECV_BUFFER_BYTES = 2 * 1024 * 1024;
const PORT_ZERO_ATTEMPTS = 10;
/** How long close() waits for datagrams already passed to send() to leave. */
const CLOSE_DRAIN_MS = 1000;

export class BindError extends ShoalError {
  constructor(message: string, cause?: unknown) {
    super('ERR_BIND', message, { cause });
  }
}

export interface ListenerEvents {
  /** A datagram arrived. `from` is "ip:port" ("[ip]:port" for IPv6); `timestampMs` is on the injected clock. */
  onPacket(buf: Uint8Array, from: string, timestampMs: number): void;
  /** A TCP connection was accepted. */
  onStream(socket: Socket): void;
}

export interface ListenerOptions {
  bindAddrs: readonly string[];
  /** 0 picks a free port (the same one on every bind address, TCP and UDP). */
  bindPort: number;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

interface BoundPair {
  host: string;
  family: 4 | 6;
  tcp: Server;
  udp: UdpSocket;
}

interface Route {
  readonly host: string;
  readonly port: number;
  readonly udp: UdpSocket;
}

const MAX_ROUTES = 4096;

/** UDP and TCP listeners on each bind address, sharing one port. */
export class Listeners {
  readonly port: number;
  readonly #pairs: BoundPair[];
  readonly #clock: Clock;
  #closed = false;
  /** Datagrams passed to send() whose callback has not run: Node sends them on a later tick. */
  #sending = 0;
  #drained: (() => void) | undefined;
  readonly #routes = new Map<string, Route>();

  private constructor(port: number, pairs: BoundPair[], clock: Clock) {
    this.port = port;
    this.#pairs = pairs;
    this.#clock = clock;
  }

  /**
   * Binds every address. With port 0, the first TCP listener picks the port and
   * the rest follow it; if another process holds that port for UDP, the whole
   * set is released and tried again (Go retries 10 times too).
   */
  static async bind(options: ListenerOptions, events: ListenerEvents): Promise<Listeners> {
    if (options.bindAddrs.length === 0) throw new BindError('at least one bind address is required');
    for (const host of options.bindAddrs) {
      if (isIP(host) === 0) throw new BindError(`bind address '${host}' is not an IP address`);
    }
    const attempts = options.bindPort === 0 ? PORT_ZERO_ATTEMPTS : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const pairs: BoundPair[] = [];
      let port = options.bindPort;
      try {
        for (const host of options.bindAddrs) {
          const tcp = await listenTcp(host, port);
          if (port === 0) port = (tcp.address() as { port: number }).port;
          let udp: UdpSocket;
          try {
            udp = await bindUdp(host, port, options.logger);
          } catch (error) {
            tcp.close();
            throw error;
          }
          pairs.push({ host, family: isIP(host) === 6 ? 6 : 4, tcp, udp });
        }
      } catch (error) {
        for (const p of pairs) closePair(p);
        lastError = error;
        continue;
      }
      const listeners = new Listeners(port, pairs, options.clock);
      listeners.#start(options, events);
      return listeners;
    }
    const where = options.bindAddrs.join(', ');
    throw new BindError(`failed to bind UDP and TCP on ${where} port ${options.bindPort}: ${(lastError as Error)?.message}`, lastError);
  }

  /** The first bind address: what advertise-address resolution starts from. */
  get firstHost(): string {
    return this.#pairs[0]!.host;
  }

  /**
   * Sends a datagram from the socket whose address family matches the
   * destination. The kernel reports failures later; they go to `onError`.
   * Returns false, sending nothing, when `to` is not "ip:port".
   */
  send(buf: Uint8Array, to: string, onError: (error: Error) => void): boolean {
    const route = this.#route(to);
    if (!route) return false;
    this.#sending++;
    route.udp.send(buf, route.port, route.host, (error) => {
      this.#sending--;
      if (error) onError(error);
      if (this.#sending === 0) this.#drained?.();
    });
    return true;
  }

  /** Where datagrams to `to` go; parsing "ip:port" on every send was a tenth of a member's CPU. */
  #route(to: string): Route | undefined {
    let route = this.#routes.get(to);
    if (route === undefined) {
      const target = splitHostPort(to);
      const family = target ? isIP(target.host) : 0;
      if (!target || family === 0) return undefined;
      const pair = this.#pairs.find((p) => p.family === family) ?? this.#pairs[0]!;
      route = { host: target.host, port: target.port, udp: pair.udp };
      // Members' addresses are few; a bound keeps a stream of strangers from growing the map.
      if (this.#routes.size >= MAX_ROUTES) this.#routes.clear();
      this.#routes.set(to, route);
    }
    return route;
  }

  /**
   * Closes every socket. UDP sockets close once the datagrams already given
   * to send() are out (at most CLOSE_DRAIN_MS): Node resolves the address and
   * sends on a later tick, and closing first would silently drop them — a
   * leave or a last message sent just before shutdown would never leave.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pairs) closeTcp(p);
    if (this.#sending > 0) {
      await new Promise<void>((resolve) => {
        const timer = this.#clock.after(CLOSE_DRAIN_MS, resolve);
        this.#drained = () => {
          timer.cancel();
          resolve();
        };
      });
    }
    for (const p of this.#pairs) closeUdp(p);
  }

  #start(options: ListenerOptions, events: ListenerEvents): void {
    for (const { tcp, udp } of this.#pairs) {
      udp.on('message', (msg, rinfo) => {
        const now = options.clock.now();
        if (msg.length < 1) {
          options.metrics.incrCounter('memberlist.net.udp.dropped', 1, { reason: 'empty' });
          return;
        }
        options.metrics.incrCounter('memberlist.net.udp.received', msg.length);
        events.onPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), joinHostPort(rinfo.address, rinfo.port), now);
      });
      udp.on('error', (error) => options.logger.error({ err: error }, 'memberlist: UDP socket error'));
      tcp.on('connection', (socket) => {
        options.metrics.incrCounter('memberlist.net.tcp.accept');
        socket.setNoDelay(true);
        events.onStream(socket);
      });
      tcp.on('error', (error) => options.logger.error({ err: error }, 'memberlist: TCP listener error'));
    }
  }
}

function closePair(p: BoundPair): void {
  closeTcp(p);
  closeUdp(p);
}

function closeTcp(p: BoundPair): void {
  p.tcp.close();
  for (const socket of openSockets.get(p.tcp) ?? []) socket.destroy();
}

function closeUdp(p: BoundPair): void {
  try {
    p.udp.close();
  } catch {
    // already closed
  }
}

// Server.close() stops accepting but leaves accepted sockets open; shutdown must close everything.
const openSockets = new WeakMap<Server, Set<Socket>>();

function listenTcp(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true });
    const sockets = new Set<Socket>();
    openSockets.set(server, sockets);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.once('error', reject);
    server.listen({ host, port, exclusive: true, ipv6Only: isIP(host) === 6 }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function bindUdp(host: string, port: number, logger: Logger): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const udp = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', ipv6Only: isIP(host) === 6, lookup: literalLookup });
    udp.once('error', reject);
    udp.bind({ address: host, port, exclusive: true }, () => {
      udp.off('error', reject);
      setReceiveBuffer(udp, logger);
      resolve(udp);
    });
  });
}

/**
 * send() is only given IP literals, so the lookup dgram makes before every
 * datagram has nothing to resolve; the default one still defers each send by
 * a tick through dns.lookup.
 */
function literalLookup(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  // dgram passes the socket's family and reads only the address back.
  callback(null, address, family === 6 ? 6 : 4);
}

/** Ask for 2 MiB, halving on refusal, as Go's setUDPRecvBuf does. */
function setReceiveBuffer(udp: UdpSocket, logger: Logger): void {
  for (let size = UDP_RECV_BUFFER_BYTES; size >= 64 * 1024; size >>= 1) {
    try {
      udp.setRecvBufferSize(size);
      udp.setSendBufferSize(size);
      return;
    } catch {
      // try a smaller size
    }
  }
  logger.warn('memberlist: could not enlarge the UDP socket buffers');
}

/** Opens a TCP connection; rejects on refusal, or when `timeoutMs` passes on `clock`. */
export function dialTcp(host: string, port: number, timeoutMs: number, clock: Clock): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = clock.after(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`dial ${joinHostPort(host, port)} timed out after ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      timer.cancel();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      timer.cancel();
      reject(error);
    });
  });
}
