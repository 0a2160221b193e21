/**
 * A node's TLS material (CA, certificate, key) checked as a whole before a
 * transport starts, so that a mistake is one clear error at start-up rather
 * than refused handshakes later.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { TlsMaterialError, type TlsMaterialErrorCode } from './errors.js';
import { parseCertificatePem, parsePrivateKeyPem } from './pem.js';
import { type PeerCertificateRejection, verifyPeerCertificate } from './verify.js';

/** The PEM texts of a node's TLS material. */
export interface TlsMaterialPem {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Checked TLS material: the PEM texts (what a QUIC engine takes) and their parsed forms. */
export interface TlsMaterial extends TlsMaterialPem {
  ca: X509Certificate;
  cert: X509Certificate;
  key: KeyObject;
  /** The certificate's CN: the node name it vouches for. */
  commonName: string;
}

export interface ParseTlsMaterialOptions {
  /** Milliseconds since the epoch, for the validity checks. */
  now: number;
  /** Where each text came from (a file name), for error messages. */
  sources?: { ca?: string; cert?: string; key?: string };
}

const ERROR_FOR_REJECTION: Record<PeerCertificateRejection, TlsMaterialErrorCode> = {
  'no-certificate': 'ERR_TLS_NOT_CERTIFICATE',
  malformed: 'ERR_TLS_NOT_CERTIFICATE',
  'unknown-ca': 'ERR_TLS_NOT_ISSUED_BY_CA',
  expired: 'ERR_TLS_EXPIRED',
  'not-yet-valid': 'ERR_TLS_NOT_YET_VALID',
  'bad-usage': 'ERR_TLS_BAD_USAGE',
  'wrong-name': 'ERR_TLS_BAD_USAGE', // not asked for here
};

/**
 * Parses and checks a node's material: the CA is a CA, the key belongs to the
 * certificate, and the certificate passes the very check peers will make
 * (verifyPeerCertificate: issued by the CA, valid at `now`, usable for TLS
 * client and server). Throws a TlsMaterialError naming the first problem.
 */
export function parseTlsMaterial(pem: TlsMaterialPem, options: ParseTlsMaterialOptions): TlsMaterial {
  const label = (what: string, source: string | undefined): string => (source === undefined ? what : `${what} ${source}`);
  const caWhat = label('CA certificate', options.sources?.ca);
  const certWhat = label('certificate', options.sources?.cert);
  const keyWhat = label('key', options.sources?.key);

  const ca = parseCertificatePem(pem.caPem, caWhat);
  if (!ca.ca) throw new TlsMaterialError('ERR_TLS_NOT_CA', `${caWhat} is not a CA certificate (basic constraints CA is not set)`);
  const cert = parseCertificatePem(pem.certPem, certWhat);
  const key = parsePrivateKeyPem(pem.keyPem, keyWhat);
  if (key.asymmetricKeyType !== cert.publicKey.asymmetricKeyType || !cert.checkPrivateKey(key)) {
    throw new TlsMaterialError('ERR_TLS_KEY_MISMATCH', `${keyWhat} does not belong to ${certWhat}`);
  }
  const verdict = verifyPeerCertificate([cert.raw], ca, { now: options.now });
  if (!verdict.ok) throw new TlsMaterialError(ERROR_FOR_REJECTION[verdict.reason], `${certWhat}: ${verdict.detail}`);
  return { ...pem, ca, cert, key, commonName: verdict.commonName };
}
