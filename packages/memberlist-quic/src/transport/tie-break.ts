/**
 * Which of two connections between the same pair of nodes both keep (pure).
 *
 * Two nodes that dial each other at the same time end up with two
 * connections. Go keeps whichever each side saw first, so both can stay up.
 * Here both sides apply one rule they can each compute from what both know
 * about a connection, namely who dialled it:
 *
 *   keep the connection dialled by the node whose certificate name (CN) is
 *   lower, comparing UTF-8 bytes; if the names are equal (nodes sharing a
 *   certificate), the one whose address "host:port" is lower; if the same node
 *   dialled both (a redial), the newer one.
 *
 * A side knows the dialler of each connection: itself (its own CN and its
 * advertised address) or the peer (the CN of the peer's certificate and the
 * connection's remote address, which is the peer's listening socket because
 * every dial leaves from it). The loser is drained: nothing new is sent on it,
 * and it is closed once its streams finish.
 *
 * The rule applies only when both connections negotiated `shoal-quic/1`. With
 * a Go peer (`memberlist-quic/1`) behaviour is Go's: the first live connection
 * stays, the duplicate is not pooled and not closed.
 */
import { ALPN_SHOAL } from './framing.js';

/** Who dialled a connection. */
export interface Dialler {
  /** The CN of the dialler's certificate. */
  name: string;
  /** The dialler's listening address, "host:port". */
  addr: string;
}

export interface TieBreakCandidate {
  alpn: string;
  dialler: Dialler;
}

const encoder = new TextEncoder();

function compareBytes(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/** Orders diallers: negative when `a`'s connection wins, positive when `b`'s does, 0 when the same node dialled both. */
export function compareDiallers(a: Dialler, b: Dialler): number {
  return compareBytes(a.name, b.name) || compareBytes(a.addr, b.addr);
}

/**
 * Given the pooled connection (`existing`) and one that just came up to the
 * same peer (`candidate`), which one the pool keeps.
 */
export function keepConnection(existing: TieBreakCandidate, candidate: TieBreakCandidate): 'existing' | 'candidate' {
  if (!appliesTieBreak(existing.alpn, candidate.alpn)) return 'existing'; // Go's rule
  const order = compareDiallers(existing.dialler, candidate.dialler);
  if (order < 0) return 'existing';
  return 'candidate'; // the candidate's dialler is lower, or a redial by the same node: the newer one
}

/** Whether two connections' ALPNs call for the tie-break (and draining the loser) rather than Go's keep-the-first. */
export function appliesTieBreak(alpnA: string, alpnB: string): boolean {
  return alpnA === ALPN_SHOAL && alpnB === ALPN_SHOAL;
}

/** The dialler of a connection, as one side sees it. */
export function diallerOf(role: 'client' | 'server', self: Dialler, peer: Dialler): Dialler {
  return role === 'client' ? self : peer;
}
