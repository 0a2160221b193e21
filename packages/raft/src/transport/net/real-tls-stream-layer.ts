/**
 * A StreamLayer over node:tls with mutual authentication against a CA: both
 * sides present a certificate, both verify the other's chain
 * (rejectUnauthorized), and by default the dialer also checks that the
 * server's certificate names the host it dialed. Go raft has no TLS layer;
 * raft's bytes run inside TLS unchanged. Handshake failures carry the reason
 * OpenSSL gives (unknown CA, expired, wrong host, no certificate).
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect, createServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { ServerAddress } from '../../ids.js';
import { AcceptQueue } from './accept-queue.js';
import { configure, listenOn, type TcpListenOptions, whenConnected } from './real-tcp-stream-layer.js';
import { splitHostPort, type StreamLayer } from './stream-layer.js';

export interface TlsCredentials {
  /** PEM of the CA every peer's certificate must chain to. */
  ca: string | Buffer;
  /** PEM of this server's certificate (presented both when accepting and when dialing). */
  cert: string | Buffer;
  /** PEM of its private key. */
  key: string | Buffer;
  /** Check that the dialed server's certificate names the dialed host. Default true. */
  verifyHostname?: boolean;
}

export interface TlsListenOptions extends TcpListenOptions, TlsCredentials {
  /** Told of every inbound handshake that fails (the connection is already closed). */
  onHandshakeError?: (error: Error, remote: string) => void;
}

export class TlsStreamLayer implements StreamLayer {
  readonly #server: ReturnType<typeof createServer>;
  readonly #queue = new AcceptQueue();
  readonly #credentials: TlsCredentials;

  private constructor(server: ReturnType<typeof createServer>, credentials: TlsCredentials, readonly addr: ServerAddress) {
    this.#server = server;
    this.#credentials = credentials;
  }

  static async listen(options: TlsListenOptions): Promise<TlsStreamLayer> {
    const { ca, cert, key } = options;
    const server = createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true });
    const advertise = await listenOn(server, options);
    const layer = new TlsStreamLayer(server, options, advertise);
    server.on('secureConnection', (socket: TLSSocket) => {
      configure(socket);
      layer.#queue.pushStream(socket);
    });
    server.on('tlsClientError', (err, socket) => {
      const remote = socket.remoteAddress === undefined ? 'an unknown peer' : `${socket.remoteAddress}:${socket.remotePort}`;
      options.onHandshakeError?.(describeHandshakeError(err, remote), remote);
    });
    server.on('error', (err) => layer.#queue.pushError(err));
    return layer;
  }

  accept(): Promise<Duplex> {
    return this.#queue.accept();
  }

  dial(address: ServerAddress, signal: AbortSignal): Promise<Duplex> {
    const { ca, cert, key, verifyHostname = true } = this.#credentials;
    const { host, port } = splitHostPort(address);
    const open = (): TLSSocket =>
      connect({
        host,
        port,
        ca,
        cert,
        key,
        rejectUnauthorized: true,
        // SNI takes host names only.
        servername: isIP(host) === 0 ? host : undefined,
        checkServerIdentity: verifyHostname ? (_name: string, peer: PeerCertificate) => checkServerIdentity(host, peer) : () => undefined,
      });
    return whenConnected(open, 'secureConnect', signal, (err) => describeHandshakeError(err, address));
  }

  async close(): Promise<void> {
    this.#queue.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** "TLS handshake with HOST:PORT failed: <OpenSSL's reason> (<code>)". */
export function describeHandshakeError(err: Error, remote: string): Error {
  const code = (err as { code?: string }).code;
  return new Error(`TLS handshake with ${remote} failed: ${openSslReason(err.message)}${code === undefined ? '' : ` (${code})`}`, { cause: err });
}

/**
 * OpenSSL's "<id>:error:<code>:<library>:<function>:<reason>:<file>:<line>:<data>"
 * reduced to its reason and data ("sslv3 alert bad certificate, SSL alert
 * number 42"); any other message as it is.
 */
function openSslReason(message: string): string {
  const fields = message.trim().split(':');
  if (fields.length < 8 || fields[1] !== 'error') return message;
  const data = fields.slice(8).join(':').trim();
  return data === '' ? fields[5]! : `${fields[5]}, ${data}`;
}
