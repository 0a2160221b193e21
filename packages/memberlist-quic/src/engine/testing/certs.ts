// Test support only: a throwaway CA and node certificates (ECDSA P-256), and
// a chain check for the verifyPeer hook. The real helpers are tls/ (issue 18).
import { webcrypto, X509Certificate } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import type { VerifyPeer } from '../types.js';

// @peculiar/x509 2.x needs Reflect metadata (tsyringe); a minimal shim instead of a dependency.
function installReflectShim(): void {
  type Meta = Map<string, unknown>;
  const store = new WeakMap<object, Meta>();
  const R = Reflect as unknown as Record<string, unknown>;
  if (typeof R.getMetadata === 'function') return;
  const k = (key: unknown, prop: unknown): string => `${String(prop ?? '')}\u0000${String(key)}`;
  const own = (t: object, create: boolean): Meta | undefined => {
    let m = store.get(t);
    if (m === undefined && create) store.set(t, (m = new Map()));
    return m;
  };
  R.defineMetadata = (key: unknown, v: unknown, t: object, p?: unknown) => void own(t, true)!.set(k(key, p), v);
  R.getOwnMetadata = (key: unknown, t: object, p?: unknown) => own(t, false)?.get(k(key, p));
  R.hasOwnMetadata = (key: unknown, t: object, p?: unknown) => own(t, false)?.has(k(key, p)) ?? false;
  R.getMetadata = (key: unknown, t: object, p?: unknown) => {
    for (let o: object | null = t; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      const m = own(o, false);
      if (m?.has(k(key, p))) return m.get(k(key, p));
    }
    return undefined;
  };
  R.hasMetadata = (key: unknown, t: object, p?: unknown) => (R.getMetadata as (...a: unknown[]) => unknown)(key, t, p) !== undefined;
  R.metadata = (key: unknown, v: unknown) => (t: object, p?: unknown) => (R.defineMetadata as (...a: unknown[]) => void)(key, v, t, p);
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  certPem: string;
  keys: CryptoKeyPair;
  cert: unknown;
}

export interface TestNodeCert {
  certPem: string;
  keyPem: string;
}

async function x509lib(): Promise<typeof import('@peculiar/x509')> {
  installReflectShim();
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

export async function makeCa(org = 'shoal-test'): Promise<TestCa> {
  const x509 = await x509lib();
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${org}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString('pem'), keys, cert };
}

export async function makeNodeCert(ca: TestCa, name: string, ips: string[] = ['127.0.0.1']): Promise<TestNodeCert> {
  const x509 = await x509lib();
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }, ...ips.map((ip) => ({ type: 'ip' as const, value: ip }))]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

/** A verifyPeer hook: the leaf must be issued and signed by `caPem` and currently valid. Records what it saw. */
export function chainVerifier(caPem: string, seen: { cn: string; role: string }[] = []): VerifyPeer {
  const ca = new X509Certificate(caPem);
  return (chain, info) => {
    const der = chain[0];
    if (der === undefined) return { ok: false, reason: 'no peer certificate', alert: 116 };
    const leaf = new X509Certificate(der);
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return { ok: false, reason: 'certificate not signed by our CA', alert: 48 };
    const now = new Date();
    if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo)) return { ok: false, reason: 'certificate expired', alert: 45 };
    seen.push({ cn: /CN=([^\n,]+)/.exec(leaf.subject)?.[1] ?? '', role: info.role });
    return { ok: true };
  };
}
