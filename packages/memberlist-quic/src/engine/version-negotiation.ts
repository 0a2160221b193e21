// A long-header packet of a QUIC version quiche does not speak: answered with
// Version Negotiation (RFC 9000 §6), but it opens nothing.
import { quiche } from './native.js';

/**
 * Sends (through `send`) the Version Negotiation answer to `msg`, a packet of
 * unsupported `version`. False when `msg` is garbage instead: version 0, not
 * padded as a client's first packet must be, or a header quiche cannot read.
 * A packet quiche cannot answer is still not garbage (true, nothing sent).
 */
export function answerVersionNegotiation(msg: Buffer, version: number, send: (packet: Buffer, length: number) => void): boolean {
  if (version === 0 || msg.length < 1200) return false;
  let header;
  try {
    header = quiche.Header.fromSlice(msg, quiche.MAX_CONN_ID_LEN);
  } catch {
    return false;
  }
  const out = Buffer.allocUnsafe(1200);
  try {
    send(out, quiche.negotiateVersion(header.scid, header.dcid, out));
  } catch {
    /* cannot answer: still dropped */
  }
  return true;
}
