/**
 * IP addresses as memberlist carries them: Go `net.IP` bytes, 4 bytes for
 * IPv4 or 16 for IPv6 and IPv4-mapped IPv6 (spec §3.1: Go may send either form
 * for an IPv4 node, so comparisons normalise first).
 */
import { hex as hexBytes } from '@shoal/kit';

/** Parses dotted IPv4 or RFC 4291 IPv6 text; undefined when it is neither. IPv4 gives 4 bytes. */
export function parseIP(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIPv6(text);
  return parseIPv4(text);
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
        groups.push(parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

const V4_IN_V6_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The 4-byte form of an IPv4 or IPv4-mapped address (Go's To4), or undefined. */
export function toIPv4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length !== 16) return undefined;
  for (let i = 0; i < 12; i++) if (ip[i] !== V4_IN_V6_PREFIX[i]) return undefined;
  return ip.subarray(12);
}

/** Equal as addresses: 4- and 16-byte forms of one IPv4 address are equal. */
export function ipEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0;
  if (a.length === b.length) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const a4 = toIPv4(a);
  const b4 = toIPv4(b);
  return a4 !== undefined && b4 !== undefined && ipEqual(a4, b4);
}

/** Text form as Go's net.IP.String prints it (IPv4-mapped addresses print as IPv4). */
export function formatIP(ip: Uint8Array | undefined): string {
  if (!ip || ip.length === 0) return '<nil>';
  const v4 = toIPv4(ip);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.${v4[3]}`;
  if (ip.length !== 16) return `?${hexBytes(ip)}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  // Longest run of two or more zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** "host:port", bracketing IPv6 hosts (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits "host:port" or "[v6]:port"; undefined when malformed or the port is not 0..65535. */
export function splitHostPort(addr: string): { host: string; port: number } | undefined {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0 || addr[close + 1] !== ':') return undefined;
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0 || addr.indexOf(':') !== colon) return undefined;
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}

/** Whether the text carries a port (Go's hasPort). */
export function hasPort(s: string): boolean {
  if (s.lastIndexOf('[') === 0) return s.lastIndexOf(':') > s.lastIndexOf(']');
  return s.split(':').length === 2;
}

/** Adds `port` unless the text already has one (Go's ensurePort). */
export function ensurePort(s: string, port: number): string {
  if (hasPort(s)) return s;
  return joinHostPort(s.replace(/^\[|\]$/g, ''), port);
}

/** "host:port" of an IP and port. */
export function ipPortString(ip: Uint8Array | undefined, port: number): string {
  return joinHostPort(formatIP(ip), port);
}

/** An address a transport can reach: "host:port" plus, optionally, the node's name (Go's Address). */
export interface Address {
  readonly addr: string;
  readonly name: string;
}

/** Go's Address.String: "name (addr)" or just the address. */
export function addressString(a: Address): string {
  return a.name !== '' ? `${a.name} (${a.addr})` : a.addr;
}

/** A network in CIDR form (Go's net.IPNet). */
export interface IPNet {
  readonly ip: Uint8Array;
  readonly mask: Uint8Array;
  readonly text: string;
}

/**
 * Parses CIDRs such as "10.0.0.0/8" (Go's ParseCIDRs): the networks that
 * parsed, and one error message per entry that did not.
 */
export function parseCIDRs(list: readonly string[]): { nets: IPNet[]; errors: string[] } {
  const nets: IPNet[] = [];
  const errors: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    const slash = text.indexOf('/');
    const ip = slash > 0 ? parseIP(text.slice(0, slash)) : undefined;
    const bitsText = slash > 0 ? text.slice(slash + 1) : '';
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
    if (!ip || bits < 0 || bits > ip.length * 8) {
      errors.push(`invalid cidr: ${raw}`);
      continue;
    }
    const mask = new Uint8Array(ip.length);
    for (let i = 0; i < ip.length; i++) mask[i] = bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff;
    const net = ip.map((b, i) => b & mask[i]!);
    nets.push({ ip: net, mask, text });
  }
  return { nets, errors };
}

/** Whether `ip` lies in `net` (IPv4 and IPv4-mapped forms match IPv4 networks). */
export function netContains(net: IPNet, ip: Uint8Array): boolean {
  let candidate: Uint8Array | undefined = ip;
  if (net.ip.length === 4) candidate = toIPv4(ip);
  else if (ip.length === 4) return false;
  if (!candidate || candidate.length !== net.ip.length) return false;
  for (let i = 0; i < candidate.length; i++) if ((candidate[i]! & net.mask[i]!) !== net.ip[i]) return false;
  return true;
}
