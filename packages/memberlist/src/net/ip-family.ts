import { parseIP } from '../address.js';

/** 4 for IPv4 text, 6 for IPv6 text (IPv4-mapped included), 0 for anything else. */
export function ipFamily(text: string): 0 | 4 | 6 {
  const bytes = parseIP(text);
  return bytes === undefined ? 0 : bytes.length === 4 ? 4 : 6;
}
