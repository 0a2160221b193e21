/**
 * Verification of a peer's certificate chain against our CA, in JS: the QUIC
 * engine calls it from its verifyCallback (quiche's own host check cannot
 * match IP SANs; spec §2). Pure: the time is an argument, nothing is read.
 *
 * What Go's crypto/tls checks, less the host name (our peers are named by
 * node, not by host): the leaf chains to the CA (through intermediates the
 * peer sent, if any), every certificate on the path is inside its validity
 * window, and the leaf's extended key usage allows TLS client and server
 * (absent EKU allows anything, as in Go). Beyond Go: the leaf may not be a CA,
 * and with `expectedName` its CN must be that memberlist node name.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { commonNameOfDer } from './common-name.js';

/** Why a peer's certificate was refused. */
export type PeerCertificateRejection = 'no-certificate' | 'malformed' | 'unknown-ca' | 'expired' | 'not-yet-valid' | 'bad-usage' | 'wrong-name';

export type PeerCertificateVerdict =
  | { ok: true; commonName: string }
  | { ok: false; reason: PeerCertificateRejection; detail: string };

/** An extended key usage a peer's certificate must allow. */
export type TlsKeyPurpose = 'serverAuth' | 'clientAuth';

export interface VerifyPeerCertificateOptions {
  /** Milliseconds since the epoch. */
  now: number;
  /** When set, the leaf's CN must equal it exactly (the node the peer claims to be). */
  expectedName?: string;
  /** EKUs the leaf must allow. Default both: a memberlist connection carries traffic both ways, whoever dialled it. */
  requiredUsages?: readonly TlsKeyPurpose[];
}

/** A peer may send at most this many certificates; a longer chain is refused before any signature is checked. */
export const MAX_PEER_CHAIN_LENGTH = 8;

const PURPOSE_OID: Record<TlsKeyPurpose, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const BOTH_USAGES: readonly TlsKeyPurpose[] = ['serverAuth', 'clientAuth'];

/**
 * Verifies `chainDer` (the peer's certificates, DER, leaf first, as the TLS
 * stack hands them over) against the trusted `ca`.
 */
export function verifyPeerCertificate(chainDer: readonly Uint8Array[], ca: X509Certificate, options: VerifyPeerCertificateOptions): PeerCertificateVerdict {
  if (chainDer.length === 0) return reject('no-certificate', 'the peer presented no certificate');
  if (chainDer.length > MAX_PEER_CHAIN_LENGTH) return reject('malformed', `the peer presented ${chainDer.length} certificates; at most ${MAX_PEER_CHAIN_LENGTH} are accepted`);
  const parsed = parseAndChain(chainDer, ca);
  if ('reject' in parsed) return parsed.reject;
  const { leafName, validity, leafIsCa, usages, commonName } = parsed;

  for (const { role, notBefore, notAfter } of validity) {
    if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) return reject('malformed', `${role} has an unreadable validity period`);
    if (options.now < notBefore) return reject('not-yet-valid', `${role} is not valid before ${new Date(notBefore).toISOString()}`);
    if (options.now > notAfter) return reject('expired', `${role} expired at ${new Date(notAfter).toISOString()}`);
  }

  if (leafIsCa) return reject('bad-usage', `${leafName} is a CA certificate, not a node certificate`);
  if (usages !== undefined && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
    const missing = (options.requiredUsages ?? BOTH_USAGES).filter((purpose) => !usages.includes(PURPOSE_OID[purpose]));
    if (missing.length > 0) return reject('bad-usage', `${leafName} does not allow ${missing.join(' or ')} (extended key usage)`);
  }

  if (options.expectedName !== undefined && commonName !== options.expectedName) {
    const named = commonName === undefined ? 'has no CN' : `names ${JSON.stringify(commonName)}`;
    return reject('wrong-name', `the peer's certificate ${named}, not the node ${JSON.stringify(options.expectedName)}`);
  }
  return { ok: true, commonName: commonName ?? '' };
}

/**
 * Parsed chains and their path to the CA, remembered per CA: the
 * time-independent, costly part of a verification. Keyed by the CA's
 * fingerprint, not its X509Certificate object, so that every transport of a
 * process trusting one CA shares them (each makes its own object): with 20
 * nodes in one process, each peer certificate was parsed and checked by every
 * node, ~19 % of the CPU of a burst join.
 */
const chainCaches = new Map<string, Map<string, ChainFacts>>();
const caFingerprints = new WeakMap<X509Certificate, string>();

/** CAs whose chains are remembered; the oldest goes beyond it (a process trusts one CA, or a few during a rotation). */
const CHAIN_CACHE_CAS = 16;

/** Chains remembered per CA (by SHA-256, a few hundred bytes each); the oldest goes beyond it. A cluster has one chain per node. */
export const VERIFIED_CHAIN_CACHE_SIZE = 1024;

/** What a verification needs from a chain that reaches the CA, read from the certificates once. */
interface ChainFacts {
  leafName: string;
  /** The leaf, intermediates and the CA, each with its validity window (ms since the epoch; NaN if unreadable). */
  validity: { role: string; notBefore: number; notAfter: number }[];
  leafIsCa: boolean;
  /** The leaf's extended key usages (OIDs); undefined when the extension is absent. */
  usages: string[] | undefined;
  commonName: string | undefined;
}

type ParsedChain = ChainFacts | { reject: PeerCertificateVerdict };

/**
 * Parses the chain and finds its path to `ca` (signatures checked), once per
 * distinct chain: in the 20-node bench's profile, parsing and signature checks
 * were ~0.5 ms per handshake, repeated for every connection to the same peer.
 * Validity, usage and name are checked on every call (they depend on the time
 * and the caller).
 */
function parseAndChain(chainDer: readonly Uint8Array[], ca: X509Certificate): ParsedChain {
  let caKey = caFingerprints.get(ca);
  if (caKey === undefined) caFingerprints.set(ca, (caKey = ca.fingerprint256));
  let cache = chainCaches.get(caKey);
  if (cache === undefined) {
    if (chainCaches.size >= CHAIN_CACHE_CAS) chainCaches.delete(chainCaches.keys().next().value!);
    chainCaches.set(caKey, (cache = new Map()));
  }
  const hash = createHash('sha256');
  for (const der of chainDer) hash.update(der).update('\u0000');
  const key = hash.digest('base64');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = parseAndChainUncached(chainDer, ca);
  // Only chains that reach the CA: junk from a hostile peer is never kept.
  if ('reject' in result) return result;
  if (cache.size >= VERIFIED_CHAIN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, result);
  return result;
}

function parseAndChainUncached(chainDer: readonly Uint8Array[], ca: X509Certificate): ParsedChain {
  const chain: X509Certificate[] = [];
  for (const [index, der] of chainDer.entries()) {
    try {
      chain.push(new X509Certificate(der));
    } catch (error) {
      return { reject: reject('malformed', `certificate ${index + 1} of the peer's chain cannot be parsed: ${(error as Error).message}`) };
    }
  }
  const leaf = chain[0]!;
  const path = pathToCa(leaf, chain.slice(1), ca);
  if (path === undefined) return { reject: reject('unknown-ca', `${describe(leaf)} is not issued by the trusted CA (${ca.subject.replaceAll('\n', ', ')})`) };
  return {
    leafName: describe(leaf),
    validity: [...path, ca].map((certificate) => ({
      role: certificate === leaf ? describe(leaf) : certificate === ca ? 'the trusted CA' : `intermediate ${describe(certificate)}`,
      notBefore: Date.parse(certificate.validFrom),
      notAfter: Date.parse(certificate.validTo),
    })),
    leafIsCa: leaf.ca,
    // node:crypto names the extended key usages `keyUsage`; undefined when the extension is absent.
    usages: leaf.keyUsage as string[] | undefined,
    commonName: commonNameOf(leaf),
  };
}

/**
 * The certificates from `leaf` up to (not including) `ca`, each signed by the
 * next, using the peer's `intermediates` (each at most once, each a CA); or
 * undefined when no such path exists.
 */
function pathToCa(leaf: X509Certificate, intermediates: readonly X509Certificate[], ca: X509Certificate): X509Certificate[] | undefined {
  const path = [leaf];
  const unused = new Set(intermediates);
  for (let current = leaf; ; ) {
    if (isIssuedBy(current, ca)) return path;
    const parent = [...unused].find((candidate) => candidate.ca && isIssuedBy(current, candidate));
    if (parent === undefined) return undefined;
    unused.delete(parent);
    path.push(parent);
    current = parent;
  }
}

/** Names match (checkIssued, which also honours the issuer's key usage) and the signature verifies with the issuer's key. */
function isIssuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
}

/** The subject CN, read from the DER (node:crypto only offers the subject as escaped text); a subject that does not parse means no usable CN. */
function commonNameOf(certificate: X509Certificate): string | undefined {
  return commonNameOfDer(certificate.raw);
}

function describe(certificate: X509Certificate): string {
  const commonName = commonNameOf(certificate);
  return commonName === undefined ? 'the peer\'s certificate' : `certificate ${JSON.stringify(commonName)}`;
}

function reject(reason: PeerCertificateRejection, detail: string): PeerCertificateVerdict {
  return { ok: false, reason, detail };
}
