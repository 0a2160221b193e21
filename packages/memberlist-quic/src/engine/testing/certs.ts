// Test support only: a CA and node certificates made with the package's own
// tls/ helpers, and a verifyPeer hook over its verifyPeerCertificate, so the
// engine's tests exercise the identity code that ships.
import { X509Certificate } from 'node:crypto';
import { createCa, createNodeCertificate, verifyPeerCertificate, type CertificatePem, type PeerCertificateRejection } from '../../tls/index.js';
import type { VerifyPeer } from '../types.js';

export type TestCa = CertificatePem;
export type TestNodeCert = CertificatePem;

export function makeCa(commonName = 'shoal-test'): Promise<TestCa> {
  return createCa({ commonName });
}

export function makeNodeCert(ca: TestCa, name: string, ips: string[] = ['127.0.0.1']): Promise<TestNodeCert> {
  return createNodeCertificate(ca, { name, ips });
}

/** TLS alerts (RFC 8446 §6) for each refusal, as a TLS stack would send them. */
const ALERTS: Record<PeerCertificateRejection, number> = {
  'no-certificate': 116, // certificate_required
  malformed: 42, // bad_certificate
  'unknown-ca': 48, // unknown_ca
  expired: 45, // certificate_expired
  'not-yet-valid': 45,
  'bad-usage': 43, // unsupported_certificate
  'wrong-name': 42,
};

/** Human-readable reasons; the engine's tests match on them. */
const REASONS: Partial<Record<PeerCertificateRejection, string>> = { 'unknown-ca': 'certificate not signed by our CA' };

/** A verifyPeer hook trusting `caPem` at the current time. Records the names it accepted. */
export function chainVerifier(caPem: string, seen: { cn: string; role: string }[] = []): VerifyPeer {
  const ca = new X509Certificate(caPem);
  return (chain, info) => {
    // eslint-disable-next-line no-restricted-properties -- test support: certificates are checked against the wall clock
    const verdict = verifyPeerCertificate(chain, ca, { now: Date.now() });
    if (!verdict.ok) return { ok: false, reason: `${REASONS[verdict.reason] ?? verdict.reason}: ${verdict.detail}`, alert: ALERTS[verdict.reason] };
    seen.push({ cn: verdict.commonName, role: info.role });
    return { ok: true };
  };
}
