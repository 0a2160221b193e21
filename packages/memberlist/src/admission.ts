import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN } from './config.js';

/**
 * What a member learned from the network must carry before it enters the
 * table (beyond Go, which accepts any address and most version sets). Without
 * a key anyone can send an alive message; these checks keep out entries that
 * would harm the cluster rather than just name a node that is not there:
 *
 * - an address nobody can send to (empty, not 4 or 16 bytes, unspecified,
 *   port 0): sends to it fail locally, so the member is never suspected and
 *   never dies, and it soaks up gossip and push/pulls;
 * - versions that are not a consistent set inside the protocol's range: the
 *   join-time version check (spec §9) runs on every push/pull against every
 *   row, so one such row makes every later push/pull with us fail.
 *
 * Each returns why the entry is refused, or undefined.
 */

/** An address we could never send to. */
export function unusableAddress(addr: Uint8Array | undefined, port: number): string | undefined {
  if (addr === undefined || addr.length === 0) return 'empty address';
  if (addr.length !== 4 && addr.length !== 16) return `address of ${addr.length} bytes`;
  if (addr.every((b) => b === 0)) return 'unspecified address';
  if (port === 0) return 'port 0';
  return undefined;
}

/**
 * A Vsn that is not six bytes forming ranges min ≤ cur ≤ max, with a
 * protocol version we can speak. (Go counts a missing or short Vsn as zeros,
 * which no version check passes.)
 */
export function unusableVersions(vsn: Uint8Array | undefined): string | undefined {
  if (vsn === undefined || vsn.length < 6) return `Vsn of ${vsn?.length ?? 0} bytes`;
  const [pMin, pMax, pCur, dMin, dMax, dCur] = vsn as unknown as [number, number, number, number, number, number];
  if (pMin < PROTOCOL_VERSION_MIN) return `minimum protocol version ${pMin}`;
  if (!(pMin <= pCur && pCur <= pMax)) return `protocol versions out of order (min ${pMin}, cur ${pCur}, max ${pMax})`;
  if (pCur < PROTOCOL_VERSION_MIN || pCur > PROTOCOL_VERSION_MAX) return `protocol version ${pCur} outside [${PROTOCOL_VERSION_MIN}, ${PROTOCOL_VERSION_MAX}]`;
  if (!(dMin <= dCur && dCur <= dMax)) return `delegate protocol versions out of order (min ${dMin}, cur ${dCur}, max ${dMax})`;
  return undefined;
}

/**
 * Versions that the join-time check would find incompatible with ours (each
 * side's current version inside the other's range). Such a member could not
 * have joined us by push/pull; heard by gossip it would fail our next one.
 */
export function incompatibleVersions(vsn: Uint8Array, ours: Uint8Array): string | undefined {
  const fits = (cur: number, min: number, max: number): boolean => min <= cur && cur <= max;
  if (!fits(vsn[2]!, ours[0]!, ours[1]!) || !fits(ours[2]!, vsn[0]!, vsn[1]!)) return `protocol versions [${vsn[0]}, ${vsn[1]}] cur ${vsn[2]} incompatible with ours`;
  if (!fits(vsn[5]!, ours[3]!, ours[4]!) || !fits(ours[5]!, vsn[3]!, vsn[4]!)) return `delegate protocol versions [${vsn[3]}, ${vsn[4]}] cur ${vsn[5]} incompatible with ours`;
  return undefined;
}
