import { networkInterfaces } from 'node:os';
import { ShoalError } from '@shoal/kit';
import { ipFamily as isIP } from './ip-family.js';

/** The address other nodes should use to reach this one could not be determined. */
export class AdvertiseAddressError extends ShoalError {
  constructor(message: string) {
    super('ERR_ADVERTISE_ADDRESS', message);
  }
}

// RFC 6890 private-use ranges, the ones go-sockaddr's GetPrivateIP looks for.
const PRIVATE_V4: readonly [number, number][] = [
  [0x0a000000, 8], // 10.0.0.0/8
  [0xac100000, 12], // 172.16.0.0/12
  [0xc0a80000, 16], // 192.168.0.0/16
  [0x64400000, 10], // 100.64.0.0/10 (shared address space)
];

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

export function isPrivateIPv4(ip: string): boolean {
  if (isIP(ip) !== 4) return false;
  const n = v4ToInt(ip);
  return PRIVATE_V4.some(([base, bits]) => (n >>> (32 - bits)) === (base >>> (32 - bits)));
}

/** The first private IPv4 address on a non-loopback interface, as Go's sockaddr.GetPrivateIP finds it. */
export function firstPrivateIP(interfaces = networkInterfaces()): string | undefined {
  for (const name of Object.keys(interfaces).sort()) {
    for (const info of interfaces[name] ?? []) {
      if (!info.internal && info.family === 'IPv4' && isPrivateIPv4(info.address)) return info.address;
    }
  }
  return undefined;
}

/**
 * Go's NetTransport.FinalAdvertiseAddr: an explicit advertise address wins;
 * otherwise the first bind address, unless it is a wildcard, in which case the
 * first private IP of this machine.
 */
export function finalAdvertiseAddress(
  advertiseHost: string | undefined,
  advertisePort: number | undefined,
  bindHost: string,
  boundPort: number,
  findPrivateIP: () => string | undefined = firstPrivateIP,
): { host: string; port: number } {
  if (advertiseHost) {
    const kind = isIP(advertiseHost);
    if (kind === 0) throw new AdvertiseAddressError(`failed to parse advertise address '${advertiseHost}'`);
    return { host: unmapV4(advertiseHost), port: advertisePort || boundPort };
  }
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    const ip = findPrivateIP();
    if (!ip) throw new AdvertiseAddressError('no private IP address found, and no explicit advertise address given');
    return { host: ip, port: boundPort };
  }
  return { host: unmapV4(bindHost), port: boundPort };
}

/** "::ffff:1.2.3.4" → "1.2.3.4" (Go's To4). */
export function unmapV4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}
