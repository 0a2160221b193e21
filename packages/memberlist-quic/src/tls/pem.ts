/**
 * PEM in: certificates and private keys parsed with node:crypto, every
 * failure a TlsMaterialError that names the input (`what`) and the problem.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { TlsMaterialError } from './errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks in `text`, with their labels (`CERTIFICATE`, `EC PRIVATE KEY`...). */
function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1]!, pem: match[0] }));
}

function labels(blocks: readonly { label: string }[]): string {
  return [...new Set(blocks.map((block) => block.label))].join(', ');
}

/** The certificates in `text`, in order; throws unless there is at least one. */
export function parseCertificatesPem(text: string, what: string): X509Certificate[] {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) throw new TlsMaterialError('ERR_TLS_NOT_PEM', `${what} is not PEM (no -----BEGIN CERTIFICATE----- block)`);
  const certificates = blocks.filter((block) => block.label === 'CERTIFICATE');
  if (certificates.length === 0) {
    throw new TlsMaterialError('ERR_TLS_NOT_CERTIFICATE', `${what} holds ${labels(blocks)}, not a CERTIFICATE`);
  }
  return certificates.map((block, index) => {
    try {
      return new X509Certificate(block.pem);
    } catch (error) {
      const which = certificates.length > 1 ? ` (certificate ${index + 1})` : '';
      throw new TlsMaterialError('ERR_TLS_NOT_CERTIFICATE', `${what}${which} is not a valid X.509 certificate: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** The one certificate in `text`; a second one is refused rather than silently ignored. */
export function parseCertificatePem(text: string, what: string): X509Certificate {
  const certificates = parseCertificatesPem(text, what);
  if (certificates.length > 1) {
    throw new TlsMaterialError('ERR_TLS_NOT_CERTIFICATE', `${what} holds ${certificates.length} certificates; expected exactly one`);
  }
  return certificates[0]!;
}

/** An unencrypted private key, SEC1 (`EC PRIVATE KEY`, as Go writes) or PKCS#8 (`PRIVATE KEY`). */
export function parsePrivateKeyPem(text: string, what: string): KeyObject {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) throw new TlsMaterialError('ERR_TLS_NOT_PEM', `${what} is not PEM (no -----BEGIN PRIVATE KEY----- block)`);
  const keys = blocks.filter((block) => block.label.endsWith('PRIVATE KEY'));
  if (keys.length === 0) throw new TlsMaterialError('ERR_TLS_NOT_PRIVATE_KEY', `${what} holds ${labels(blocks)}, not a PRIVATE KEY`);
  if (keys.length > 1) throw new TlsMaterialError('ERR_TLS_NOT_PRIVATE_KEY', `${what} holds ${keys.length} private keys; expected exactly one`);
  const key = keys[0]!;
  if (key.label === 'ENCRYPTED PRIVATE KEY') {
    throw new TlsMaterialError('ERR_TLS_UNSUPPORTED_KEY', `${what} is encrypted; a node's key must be stored unencrypted (protect it with file permissions)`);
  }
  try {
    return createPrivateKey(key.pem);
  } catch (error) {
    throw new TlsMaterialError('ERR_TLS_NOT_PRIVATE_KEY', `${what} is not a valid private key: ${(error as Error).message}`, { cause: error });
  }
}

/** `key` as PEM in Go's tlsutil format: SEC1 `EC PRIVATE KEY` for EC keys, PKCS#8 otherwise. */
export function privateKeyToPem(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs8';
  return key.export({ type, format: 'pem' }).toString();
}
