/**
 * Go's TCPStreamLayer on node:net: listen on HOST:PORT (port 0 picks one),
 * advertise an address peers can dial, dial with TCP_NODELAY and keep-alive
 * (Go's net.Dialer defaults). No framing or handshake of its own.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerAddress } from '../../ids.js';
import { AcceptQueue } from './accept-queue.js';
import { joinHostPort, splitHostPort, type StreamLayer } from './stream-layer.js';

export interface TcpListenOptions {
  /** HOST:PORT to listen on. */
  bind: string;
  /** HOST:PORT peers should dial; default the bound address (which must then not be unspecified, as Go requires). */
  advertise?: string;
}

const KEEP_ALIVE_MS = 15_000;

export class TcpStreamLayer implements StreamLayer {
  readonly #server: Server;
  readonly #queue = new AcceptQueue();

  private constructor(
    server: Server,
    readonly addr: ServerAddress,
  ) {
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      configure(socket);
      this.#queue.pushStream(socket);
    });
    server.on('error', (err) => this.#queue.pushError(err));
  }

  static async listen(options: TcpListenOptions): Promise<TcpStreamLayer> {
    const server = createServer({ noDelay: true, pauseOnConnect: false });
    const advertise = await listenOn(server, options);
    return new TcpStreamLayer(server, advertise);
  }

  accept(): Promise<Duplex> {
    return this.#queue.accept();
  }

  dial(address: ServerAddress, signal: AbortSignal): Promise<Duplex> {
    return dialTcp(address, signal);
  }

  async close(): Promise<void> {
    this.#queue.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Listens; resolves with the address to advertise. Shared with the TLS layer. */
export async function listenOn(server: Server, options: TcpListenOptions): Promise<ServerAddress> {
  const { host, port } = splitHostPort(options.bind);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (options.advertise !== undefined) return options.advertise;
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('listener has no TCP address');
  if (bound.address === '0.0.0.0' || bound.address === '::') {
    server.close();
    throw new RangeError(`local bind address is not advertisable: ${options.bind} (set advertise)`);
  }
  return joinHostPort(bound.address, bound.port);
}

/**
 * Go's dialer defaults. The no-op error listener keeps a socket that fails
 * while queued (before a Conn owns it) from becoming an uncaught 'error'.
 */
export function configure(socket: Socket): void {
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEP_ALIVE_MS);
}

function dialTcp(address: ServerAddress, signal: AbortSignal): Promise<Duplex> {
  const { host, port } = splitHostPort(address);
  return whenConnected(() => createConnection({ host, port }), 'connect', signal);
}

/**
 * The socket `open` makes, configured as Go's dialer once it emits `ready`;
 * on an error (reported through `describe`) or an abort, it is destroyed and
 * the promise rejects. Shared with the TLS layer.
 */
export function whenConnected<S extends Socket>(open: () => S, ready: 'connect' | 'secureConnect', signal: AbortSignal, describe: (err: Error) => Error = (err) => err): Promise<S> {
  return new Promise((resolve, reject) => {
    const socket = open();
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(ready, () => {
      signal.removeEventListener('abort', onAbort);
      configure(socket);
      resolve(socket);
    });
    socket.once('error', (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(describe(err));
    });
  });
}
