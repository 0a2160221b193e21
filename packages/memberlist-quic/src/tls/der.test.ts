import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { createCa, createNodeCertificate } from './create.js';
import { subjectCommonNameOfDer } from './der.js';
import { x509 } from './x509-library.js';

/** What the transport read before: @peculiar/x509's first CN. */
function peculiarCn(der: Uint8Array): string | undefined {
  try {
    return new x509.X509Certificate(der).subjectName.getField('CN')[0];
  } catch {
    return undefined;
  }
}

const ca = await createCa({ commonName: 'der test CA' });
const rawOf = (pem: string): Uint8Array => new X509Certificate(pem).raw;
const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);

/** A self-signed certificate with exactly this subject (any string types @peculiar/x509 can write). */
async function withSubject(subject: x509.JsonNameParams): Promise<Uint8Array> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: new x509.Name(subject),
    keys,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2027, 0, 1)),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return new Uint8Array(cert.rawData);
}

test('subjectCommonNameOfDer reads the CN @peculiar/x509 reads, for the certificates shoal tls makes', async () => {
  const names = ['node-1', 'a.b.c', 'nöde-ü', '节点-7', 'with space', 'x'.repeat(300)];
  assert.equal(subjectCommonNameOfDer(rawOf(ca.certPem)), 'der test CA');
  for (const name of names) {
    const der = rawOf((await createNodeCertificate(ca, { name })).certPem);
    assert.equal(subjectCommonNameOfDer(der), name);
    assert.equal(subjectCommonNameOfDer(der), peculiarCn(der));
  }
});

test('subjectCommonNameOfDer: string types, several RDNs, no CN', async () => {
  const cases: [x509.JsonNameParams, string | undefined][] = [
    [[{ CN: [{ printableString: 'printable' }] }], 'printable'],
    [[{ CN: [{ ia5String: 'ia5' }] }], 'ia5'],
    [[{ CN: [{ bmpString: 'bmp-ü-节' }] }], 'bmp-ü-节'],
    [[{ CN: [{ universalString: 'universal-😀' }] }], 'universal-😀'],
    [[{ O: ['org'] }, { CN: ['second'] }, { CN: ['third'] }], 'second'],
    [[{ O: ['only an organisation'] }], undefined],
    [[], undefined],
  ];
  for (const [subject, want] of cases) {
    const der = await withSubject(subject);
    assert.equal(subjectCommonNameOfDer(der), want, JSON.stringify(subject));
    assert.equal(subjectCommonNameOfDer(der), peculiarCn(der), JSON.stringify(subject));
  }
});

test('subjectCommonNameOfDer is total: truncations, bit flips and garbage give a string or undefined, never throw', async () => {
  const der = rawOf((await createNodeCertificate(ca, { name: 'node-9' })).certPem);
  for (let n = 0; n < der.length; n++) {
    const cut = subjectCommonNameOfDer(der.subarray(0, n));
    assert.ok(cut === undefined || typeof cut === 'string');
  }
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 5000; i++) {
    const flipped = Uint8Array.from(der);
    for (let k = 0; k < 3; k++) flipped[Math.floor(rand() * flipped.length)]! ^= 1 << Math.floor(rand() * 8);
    const got = subjectCommonNameOfDer(flipped);
    assert.ok(got === undefined || typeof got === 'string');
  }
  for (let i = 0; i < 2000; i++) {
    const junk = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
    if (rand() < 0.5 && junk.length > 0) junk[0] = 0x30;
    assert.equal(typeof (subjectCommonNameOfDer(junk) ?? ''), 'string');
  }
  // Indefinite and over-long lengths.
  assert.equal(subjectCommonNameOfDer(Uint8Array.of(0x30, 0x80, 0x00, 0x00)), undefined);
  assert.equal(subjectCommonNameOfDer(Uint8Array.of(0x30, 0x85, 1, 1, 1, 1, 1)), undefined);
  assert.equal(subjectCommonNameOfDer(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)), undefined);
});
