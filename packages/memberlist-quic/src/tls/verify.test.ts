import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { createCa, createNodeCertificate, type CertificatePem } from './create.js';
import { MAX_PEER_CHAIN_LENGTH, verifyPeerCertificate, type PeerCertificateRejection, type VerifyPeerCertificateOptions } from './verify.js';
import { x509 } from './x509-library.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A certificate signed by `issuer` with the fields createNodeCertificate would not make (no EKU, one EKU, a CA). */
async function customCertificate(issuer: CertificatePem, name: string | undefined, shape: { usages?: string[]; ca?: boolean }): Promise<CertificatePem> {
  const issuerKey = createPrivateKey(issuer.keyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', issuerKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    subject: name === undefined ? [] : [{ CN: [name] }],
    issuer: new x509.X509Certificate(issuer.certPem).subjectName,
    notBefore: new Date(NOW - 60_000),
    notAfter: new Date(NOW + 30 * DAY_MS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(shape.ca ?? false, undefined, true),
      ...(shape.ca ? [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)] : []),
      ...(shape.usages ? [new x509.ExtendedKeyUsageExtension(shape.usages)] : []),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: certificate.toString('pem'), keyPem: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }).toString() };
}

const der = (pair: CertificatePem): Uint8Array => new X509Certificate(pair.certPem).raw;

const ca = await createCa({ commonName: 'cluster CA', now: NOW });
const caCert = new X509Certificate(ca.certPem);
const otherCa = await createCa({ commonName: 'other CA', now: NOW });
/** Same subject as `ca`, different key: only the signature tells them apart. */
const impostorCa = await createCa({ commonName: 'cluster CA', now: NOW });
const shortCa = await createCa({ commonName: 'short CA', days: 1, now: NOW });
const node1 = await createNodeCertificate(ca, { name: 'node-1', ips: ['127.0.0.1'], days: 30, now: NOW });
const fromOtherCa = await createNodeCertificate(otherCa, { name: 'node-1', now: NOW });
const fromImpostor = await createNodeCertificate(impostorCa, { name: 'node-1', now: NOW });
/** Names our CA as issuer and has no authority key id, so only the signature shows it is not ours. */
const forged = await customCertificate(impostorCa, 'node-1', { usages: [SERVER_AUTH, CLIENT_AUTH] });
const fromShortCa = await createNodeCertificate(shortCa, { name: 'node-1', days: 30, now: NOW });
const serverOnly = await customCertificate(ca, 'node-1', { usages: [SERVER_AUTH] });
const clientOnly = await customCertificate(ca, 'node-1', { usages: [CLIENT_AUTH] });
const noEku = await customCertificate(ca, 'node-1', {});
const intermediate = await customCertificate(ca, 'intermediate CA', { ca: true });
const viaIntermediate = await createNodeCertificate(intermediate, { name: 'node-9', now: NOW });
const noCn = await customCertificate(ca, undefined, {});

type Row = [label: string, chain: Uint8Array[], options: Partial<VerifyPeerCertificateOptions>, expected: { commonName: string } | PeerCertificateRejection, detail?: RegExp, trusted?: X509Certificate];

const rows: Row[] = [
  ['good pair', [der(node1)], {}, { commonName: 'node-1' }],
  ['good pair, the expected name', [der(node1)], { expectedName: 'node-1' }, { commonName: 'node-1' }],
  ['good pair, at the last valid millisecond', [der(node1)], { now: NOW + 30 * DAY_MS }, { commonName: 'node-1' }],
  ['another CA', [der(fromOtherCa)], {}, 'unknown-ca', /"node-1" is not issued by the trusted CA \(CN=cluster CA\)/],
  ['a CA with our CA\'s name but another key', [der(fromImpostor)], {}, 'unknown-ca'],
  ['our CA\'s name as issuer, no key id, another CA\'s signature', [der(forged)], {}, 'unknown-ca'],
  ['expired', [der(node1)], { now: NOW + 30 * DAY_MS + 1 }, 'expired', /"node-1" expired at 2026-02-14T12:00:00.000Z/],
  ['not yet valid', [der(node1)], { now: NOW - 60_001 }, 'not-yet-valid', /not valid before 2026-01-15T11:59:00.000Z/],
  ['the CA expired', [der(fromShortCa)], { now: NOW + 2 * DAY_MS }, 'expired', /the trusted CA expired/, new X509Certificate(shortCa.certPem)],
  ['no certificate', [], {}, 'no-certificate'],
  ['wrong name when a name is required', [der(node1)], { expectedName: 'node-2' }, 'wrong-name', /names "node-1", not the node "node-2"/],
  ['no CN when a name is required', [der(noCn)], { expectedName: 'node-2' }, 'wrong-name', /has no CN/],
  ['no CN, no name required', [der(noCn)], {}, { commonName: '' }],
  ['serverAuth only: no clientAuth', [der(serverOnly)], {}, 'bad-usage', /does not allow clientAuth/],
  ['clientAuth only: no serverAuth', [der(clientOnly)], {}, 'bad-usage', /does not allow serverAuth/],
  ['clientAuth only, when only clientAuth is required', [der(clientOnly)], { requiredUsages: ['clientAuth'] }, { commonName: 'node-1' }],
  ['no EKU extension: any usage, as in Go', [der(noEku)], {}, { commonName: 'node-1' }],
  ['the CA itself as the peer\'s certificate', [der(ca)], {}, 'bad-usage', /is a CA certificate/],
  ['through an intermediate the peer sent', [der(viaIntermediate), der(intermediate)], { expectedName: 'node-9' }, { commonName: 'node-9' }],
  ['intermediate not sent', [der(viaIntermediate)], {}, 'unknown-ca'],
  ['a leaf posing as the intermediate', [der(viaIntermediate), der(node1)], {}, 'unknown-ca'],
  ['garbage bytes', [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])], {}, 'malformed', /certificate 1 .* cannot be parsed/],
  ['too long a chain', Array.from({ length: MAX_PEER_CHAIN_LENGTH + 1 }, () => der(node1)), {}, 'malformed', /at most 8/],
];

for (const [label, chain, options, expected, detail, trusted] of rows) {
  test(`verifyPeerCertificate: ${label}`, () => {
    const verdict = verifyPeerCertificate(chain, trusted ?? caCert, { now: NOW, ...options });
    if (typeof expected === 'string') {
      assert.equal(verdict.ok, false, `refused: ${JSON.stringify(verdict)}`);
      assert.ok(!verdict.ok);
      assert.equal(verdict.reason, expected, verdict.detail);
      if (detail) assert.match(verdict.detail, detail);
    } else {
      assert.deepEqual(verdict, { ok: true, ...expected });
    }
  });
}

test('verifyPeerCertificate: the same verdict however the DER is held (Buffer, Uint8Array, offset view)', () => {
  const raw = der(node1);
  const padded = new Uint8Array(raw.length + 7);
  padded.set(raw, 7);
  for (const chain of [[Buffer.from(raw)], [new Uint8Array(raw)], [padded.subarray(7)]]) {
    assert.deepEqual(verifyPeerCertificate(chain, caCert, { now: NOW }), { ok: true, commonName: 'node-1' });
  }
});

test('verifyPeerCertificate: a chain seen before is still judged at the given time and name (only parsing and signatures are remembered)', () => {
  const chain = [der(node1)];
  assert.deepEqual(verifyPeerCertificate(chain, caCert, { now: NOW }), { ok: true, commonName: 'node-1' });
  const later = verifyPeerCertificate(chain, caCert, { now: NOW + 31 * DAY_MS });
  assert.equal(later.ok, false);
  assert.equal(!later.ok && later.reason, 'expired');
  const renamed = verifyPeerCertificate(chain, caCert, { now: NOW, expectedName: 'node-2' });
  assert.equal(!renamed.ok && renamed.reason, 'wrong-name');
  // The same DER against another CA is judged afresh.
  const other = verifyPeerCertificate(chain, new X509Certificate(otherCa.certPem), { now: NOW });
  assert.equal(!other.ok && other.reason, 'unknown-ca');
  assert.deepEqual(verifyPeerCertificate(chain, caCert, { now: NOW }), { ok: true, commonName: 'node-1' });
});

test('verifyPeerCertificate: what is remembered for a CA serves every object of that CA, and no other CA, even one of the same name', () => {
  const chain = [der(node1)];
  assert.deepEqual(verifyPeerCertificate(chain, caCert, { now: NOW }), { ok: true, commonName: 'node-1' });
  // Each transport makes its own X509Certificate of the CA.
  assert.deepEqual(verifyPeerCertificate(chain, new X509Certificate(ca.certPem), { now: NOW }), { ok: true, commonName: 'node-1' });
  const impostor = verifyPeerCertificate(chain, new X509Certificate(impostorCa.certPem), { now: NOW });
  assert.equal(!impostor.ok && impostor.reason, 'unknown-ca');
  // And the other way round: a chain the impostor issued is not ours once remembered for it.
  assert.equal(verifyPeerCertificate([der(fromImpostor)], new X509Certificate(impostorCa.certPem), { now: NOW }).ok, true);
  const ours = verifyPeerCertificate([der(fromImpostor)], new X509Certificate(ca.certPem), { now: NOW });
  assert.equal(!ours.ok && ours.reason, 'unknown-ca');
});
