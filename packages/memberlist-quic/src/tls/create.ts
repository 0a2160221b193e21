/**
 * Go tlsutil's certificate makers (github.com/wjordan/memberlist-quic,
 * tlsutil/tls.go): a CA and node certificates signed by it, ECDSA P-256,
 * PEM in and out, built with @peculiar/x509 over node's WebCrypto.
 *
 * As in Go: a random positive 128-bit serial, NotBefore one minute back (for
 * clock skew), CN = node name, EKU serverAuth + clientAuth, keys written as
 * SEC1 `EC PRIVATE KEY` (Go's parseCA reads only that). Beyond Go: the CA has
 * a CN, node certificates carry the node name as a DNS SAN (quiche's native
 * host check can then match it), and DNS SANs may be added.
 */
import { createPrivateKey, KeyObject, webcrypto } from 'node:crypto';
import { realClock } from '@shoal/kit';
import { TlsMaterialError } from './errors.js';
import { isDnsName, isIpAddress } from './names.js';
import { parseCertificatePem, parsePrivateKeyPem, privateKeyToPem } from './pem.js';
import { x509 } from './x509-library.js';

/** A certificate and its private key, both PEM. */
export interface CertificatePem {
  certPem: string;
  keyPem: string;
}

export interface CreateCaOptions {
  /** The CA's subject CN. Default `shoal memberlist-quic CA`. */
  commonName?: string;
  /** Validity in days. Default 3650. */
  days?: number;
  /** Milliseconds since the epoch the validity starts from. Default the wall clock. */
  now?: number;
}

export interface CreateNodeCertificateOptions {
  /** The memberlist node name: the subject CN, and a DNS SAN when it is a valid DNS name (not a wildcard). */
  name: string;
  /** IP SANs (IPv4 or IPv6): the addresses peers dial, as Go checks them. */
  ips?: readonly string[];
  /** Further DNS SANs. */
  dnsNames?: readonly string[];
  /** Validity in days. Default 365. */
  days?: number;
  /** Milliseconds since the epoch the validity starts from. Default the wall clock. */
  now?: number;
}

/** The CA's CN when none is given. */
export const DEFAULT_CA_COMMON_NAME = 'shoal memberlist-quic CA';
/** A CA lasts ten years by default: replacing it means re-issuing every node's certificate. */
export const DEFAULT_CA_DAYS = 3650;
/** A node certificate lasts a year by default. */
export const DEFAULT_NODE_DAYS = 365;
/** The longest validity accepted: a hundred years, well inside X.509's GeneralizedTime. */
export const MAX_DAYS = 36_500;

const DAY_MS = 86_400_000;
/** Go's tlsutil backdates NotBefore by a minute so that a peer whose clock is slightly behind accepts a new certificate. */
const BACKDATE_MS = 60_000;
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Creates a self-signed CA: ECDSA P-256, basic constraints CA, key usage keyCertSign + cRLSign. */
export async function createCa(options: CreateCaOptions = {}): Promise<CertificatePem> {
  const commonName = options.commonName ?? DEFAULT_CA_COMMON_NAME;
  if (commonName.trim() === '') throw new TlsMaterialError('ERR_TLS_BAD_OPTION', 'the CA common name must not be empty');
  const validity = validityWindow(options.days ?? DEFAULT_CA_DAYS, options.now);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    ...validity,
    signingAlgorithm: ECDSA_SHA256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * Creates a node certificate signed by `ca` (PEM, as createCa returns or
 * Go's GenerateCA writes): CN = `name`, the given IP and DNS SANs, key usage
 * digitalSignature (what ECDSA in TLS 1.3 uses; Go adds keyEncipherment,
 * which only RSA key exchange ever needed), EKU serverAuth + clientAuth.
 */
export async function createNodeCertificate(ca: CertificatePem, options: CreateNodeCertificateOptions): Promise<CertificatePem> {
  const { name } = options;
  if (name.trim() === '') throw new TlsMaterialError('ERR_TLS_BAD_OPTION', 'the node name must not be empty');
  const ips = options.ips ?? [];
  const badIp = ips.find((ip) => !isIpAddress(ip));
  if (badIp !== undefined) throw new TlsMaterialError('ERR_TLS_BAD_OPTION', `'${badIp}' is not an IPv4 or IPv6 address`);
  const dnsNames = options.dnsNames ?? [];
  const badDns = dnsNames.find((dns) => !isDnsName(dns));
  if (badDns !== undefined) throw new TlsMaterialError('ERR_TLS_BAD_OPTION', `'${badDns}' is not a DNS name`);
  const validity = validityWindow(options.days ?? DEFAULT_NODE_DAYS, options.now);

  const caCertificate = parseCertificatePem(ca.certPem, 'the CA certificate');
  if (!caCertificate.ca) throw new TlsMaterialError('ERR_TLS_NOT_CA', 'the CA certificate is not a CA (basic constraints CA is not set)');
  const caKey = parsePrivateKeyPem(ca.keyPem, 'the CA key');
  if (!caCertificate.checkPrivateKey(caKey)) throw new TlsMaterialError('ERR_TLS_KEY_MISMATCH', 'the CA key does not belong to the CA certificate');
  const start = validity.notBefore.getTime() + BACKDATE_MS;
  if (start > Date.parse(caCertificate.validTo)) {
    throw new TlsMaterialError('ERR_TLS_EXPIRED', `the CA certificate expired at ${new Date(caCertificate.validTo).toISOString()}`);
  }
  const signingKey = await importEcSigningKey(caKey);
  const issuer = new x509.X509Certificate(caCertificate.raw);

  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const altNames = [
    ...unique([...(isDnsName(name) && !name.startsWith('*') ? [name] : []), ...dnsNames]).map((value) => ({ type: 'dns' as const, value })),
    ...unique(ips).map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [name] }],
    issuer: issuer.subjectName,
    ...validity,
    signingAlgorithm: ECDSA_SHA256,
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
      ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

function validityWindow(days: number, now: number | undefined): { notBefore: Date; notAfter: Date } {
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new TlsMaterialError('ERR_TLS_BAD_OPTION', `days must be an integer from 1 to ${MAX_DAYS}, got ${days}`);
  }
  const start = now ?? realClock.wallTime();
  return { notBefore: new Date(start - BACKDATE_MS), notAfter: new Date(start + days * DAY_MS) };
}

/** The CA key as WebCrypto needs it for signing; Go's CAs and ours are ECDSA. */
async function importEcSigningKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
  if (key.asymmetricKeyType !== 'ec' || namedCurve === undefined) {
    const kind = key.asymmetricKeyType === 'ec' ? `EC ${curve}` : key.asymmetricKeyType;
    throw new TlsMaterialError('ERR_TLS_UNSUPPORTED_KEY', `the CA key is ${kind}; signing needs ECDSA P-256 or P-384`);
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return privateKeyToPem(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
