// memberlist-quic's mutual TLS: our own certificate checked against the CA
// at start, and the engine's verifyPeer hook (the peer's chain against the CA
// on both sides; with requireNodeName, client side, the CN against the node
// the dial was for). Refusals are counted and logged.
import { X509Certificate } from 'node:crypto';
import type { Clock, Logger, Metrics } from '@shoal/kit';
import { joinHostPort, MemberlistError, MemberlistErrorCode } from '@shoal/memberlist';
import type { VerifyInfo, VerifyPeer, VerifyResult } from '../engine/types.js';
import { type PeerCertificateRejection, verifyPeerCertificate } from '../tls/verify.js';
import type { QuicTransportTls } from './config.js';

/** TLS alerts sent with each refusal (RFC 8446 §6). */
const ALERTS: Record<PeerCertificateRejection, number> = {
  'no-certificate': 116,
  malformed: 42,
  'unknown-ca': 48,
  expired: 45,
  'not-yet-valid': 45,
  'bad-usage': 43,
  'wrong-name': 42,
};

/** The CA, and the CN of our certificate once it passed against that CA (else an InvalidConfig error). */
export function loadTlsIdentity(tls: QuicTransportTls, clock: Clock): { ca: X509Certificate; selfName: string } {
  try {
    const ca = new X509Certificate(tls.caPem);
    const own = verifyPeerCertificate([new X509Certificate(tls.certPem).raw], ca, { now: clock.wallTime() });
    if (!own.ok) throw new Error(`our own certificate: ${own.detail}`);
    return { ca, selfName: own.commonName };
  } catch (error) {
    throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `memberlist-quic TLS material: ${(error as Error).message}`, { cause: error });
  }
}

export interface PeerVerifierOptions {
  ca: X509Certificate;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  requireNodeName: boolean;
  /** The node name each dial in progress expects, by peer "host:port" (filled by the transport). */
  expectedNames: ReadonlyMap<string, string>;
}

export function peerVerifier(o: PeerVerifierOptions): VerifyPeer {
  return (chain: readonly Uint8Array[], info: VerifyInfo): VerifyResult => {
    const peer = joinHostPort(info.remote.host, info.remote.port);
    const expectedName = o.requireNodeName && info.role === 'client' ? o.expectedNames.get(peer) : undefined;
    const verdict = verifyPeerCertificate(chain, o.ca, { now: o.clock.wallTime(), expectedName });
    if (verdict.ok) return { ok: true };
    o.metrics.incrCounter('memberlist.quic.handshake.refused', 1, { reason: verdict.reason });
    o.logger.warn({ peer, role: info.role, reason: verdict.reason, detail: verdict.detail }, 'memberlist-quic: refused a peer certificate');
    return { ok: false, reason: `${verdict.reason}: ${verdict.detail}`, alert: ALERTS[verdict.reason] };
  };
}
