/**
 * Addresses in the simulated network are strings "host:port", as memberlist
 * and raft use them. Hosts are IPv4 dotted quads by default (the network
 * allocates 10.0.0.1, 10.0.0.2, ...), but any name without ':' works;
 * IPv6 literals go in brackets: "[fd00::1]:7946".
 */
import { SimNetworkError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port"; throws SimNetworkError('EINVAL') when malformed. */
export function parseAddress(address: string): HostPort {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw new SimNetworkError('EINVAL', `address ${JSON.stringify(address)} is not host:port`);
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) throw new SimNetworkError('EINVAL', `IPv6 host in ${JSON.stringify(address)} needs brackets`);
  const portText = address.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535) || host.length === 0) {
    throw new SimNetworkError('EINVAL', `address ${JSON.stringify(address)} has no valid host and port`);
  }
  return { host, port };
}

/** Formats host and port as an address string (brackets around IPv6 hosts). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The n-th (1-based) address of 10.0.0.0/8: 10.0.0.1, ..., 10.0.0.255, 10.0.1.0, ... */
export function nthPrivateIPv4(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xfffffe) throw new RangeError(`host number out of range: ${n}`);
  return `10.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** The 4 bytes of a dotted-quad IPv4 address, or undefined if `host` is not one. */
export function ipv4Bytes(host: string): Uint8Array | undefined {
  const parts = host.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}
