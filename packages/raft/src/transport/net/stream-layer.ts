/**
 * Where NetworkTransport's bytes travel: Go's StreamLayer (a listener plus
 * Dial), as Node duplex streams. TCP and TLS implementations live in the
 * real-*.ts files; memory-stream-layer.ts serves unit tests without sockets.
 */
import type { Duplex } from 'node:stream';
import type { ServerAddress } from '../../ids.js';

export interface StreamLayer {
  /** The address peers dial to reach this layer's listener (Go's Addr()). */
  readonly addr: ServerAddress;
  /**
   * The next accepted stream. Rejects with the listener's error (the caller
   * backs off and calls again), or with StreamLayerClosedError once closed.
   */
  accept(): Promise<Duplex>;
  /**
   * A stream connected to `address`. `signal` carries the dial timeout (the
   * transport owns the clock); aborting it abandons the attempt. Rejects
   * with an Error whose message says why the connection failed.
   */
  dial(address: ServerAddress, signal: AbortSignal): Promise<Duplex>;
  /**
   * Stops listening; pending and later accept() calls reject. May settle
   * only once every stream it accepted has closed (Node's server.close()
   * does): the caller closes those first.
   */
  close(): Promise<void>;
}

/** `host:port` or `[v6host]:port` → its parts; throws on anything else. */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535 || host === '') {
    throw new RangeError(`not a HOST:PORT address: ${JSON.stringify(address)}`);
  }
  return { host, port };
}

/** The inverse of splitHostPort (brackets around IPv6 hosts). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
