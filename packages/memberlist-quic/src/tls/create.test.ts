import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCa, createNodeCertificate, DEFAULT_CA_COMMON_NAME } from './create.js';
import { TlsMaterialError } from './errors.js';
import { parsePrivateKeyPem } from './pem.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const ca = await createCa({ commonName: 'test CA', days: 30, now: NOW });

test('createCa: a self-signed ECDSA P-256 CA, key as SEC1 PEM, valid from a minute back', () => {
  const cert = new X509Certificate(ca.certPem);
  assert.equal(cert.ca, true);
  assert.equal(cert.subject, 'CN=test CA');
  assert.equal(cert.issuer, cert.subject);
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(ca.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
  assert.ok(cert.checkPrivateKey(parsePrivateKeyPem(ca.keyPem, 'key')));
  assert.equal(Date.parse(cert.validFrom), NOW - 60_000);
  assert.equal(Date.parse(cert.validTo), NOW + 30 * DAY_MS);
  assert.equal(cert.keyUsage, undefined, 'no extended key usage on the CA');
});

test('createCa: a default common name, and a fresh key and serial each time', async () => {
  const other = await createCa();
  const cert = new X509Certificate(other.certPem);
  assert.equal(cert.subject, `CN=${DEFAULT_CA_COMMON_NAME}`);
  assert.notEqual(cert.serialNumber, new X509Certificate(ca.certPem).serialNumber);
  assert.notEqual(other.keyPem, ca.keyPem);
  assert.ok(cert.serialNumber.length >= 30, `a 128-bit serial, got ${cert.serialNumber}`);
});

test('createNodeCertificate: CN = name, DNS SAN name + extras, IP SANs, EKU server+client, signed by the CA', async () => {
  const node = await createNodeCertificate(ca, { name: 'node-1', ips: ['127.0.0.1', '::1'], dnsNames: ['node-1.example'], days: 7, now: NOW });
  const cert = new X509Certificate(node.certPem);
  const caCert = new X509Certificate(ca.certPem);
  assert.equal(cert.subject, 'CN=node-1');
  assert.equal(cert.subjectAltName, 'DNS:node-1, DNS:node-1.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.deepEqual([...(cert.keyUsage ?? [])].sort(), [SERVER_AUTH, CLIENT_AUTH]);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'issued by the CA');
  assert.ok(cert.checkIP('127.0.0.1') && cert.checkHost('node-1'), 'host checks pass on the SANs');
  assert.ok(cert.checkPrivateKey(parsePrivateKeyPem(node.keyPem, 'key')));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(Date.parse(cert.validFrom), NOW - 60_000);
  assert.equal(Date.parse(cert.validTo), NOW + 7 * DAY_MS);
});

test('createNodeCertificate: a name that is no DNS name is the CN only', async () => {
  const node = await createNodeCertificate(ca, { name: 'node 1/west', now: NOW });
  const cert = new X509Certificate(node.certPem);
  assert.equal(cert.subjectAltName, undefined);
  assert.match(cert.subject, /node 1\/west/);
});

test('createNodeCertificate: refuses bad options and a CA that cannot sign, with a typed error', async () => {
  const other = await createCa({ now: NOW });
  const leaf = await createNodeCertificate(ca, { name: 'leaf', now: NOW });
  const cases: [string, Promise<unknown>, string, RegExp][] = [
    ['empty name', createNodeCertificate(ca, { name: ' ' }), 'ERR_TLS_BAD_OPTION', /node name/],
    ['bad IP', createNodeCertificate(ca, { name: 'n', ips: ['10.0.0.256'] }), 'ERR_TLS_BAD_OPTION', /'10.0.0.256' is not an IPv4 or IPv6 address/],
    ['IPv6 zone', createNodeCertificate(ca, { name: 'n', ips: ['fe80::1%eth0'] }), 'ERR_TLS_BAD_OPTION', /not an IPv4 or IPv6/],
    ['bad DNS name', createNodeCertificate(ca, { name: 'n', dnsNames: ['-bad-.example'] }), 'ERR_TLS_BAD_OPTION', /is not a DNS name/],
    ['zero days', createNodeCertificate(ca, { name: 'n', days: 0 }), 'ERR_TLS_BAD_OPTION', /days must be an integer from 1/],
    ['fractional days', createCa({ days: 1.5 }), 'ERR_TLS_BAD_OPTION', /days must be an integer/],
    ['CA PEM is a key', createNodeCertificate({ certPem: ca.keyPem, keyPem: ca.keyPem }, { name: 'n' }), 'ERR_TLS_NOT_CERTIFICATE', /holds EC PRIVATE KEY, not a CERTIFICATE/],
    ['CA PEM is not PEM', createNodeCertificate({ certPem: 'hello', keyPem: ca.keyPem }, { name: 'n' }), 'ERR_TLS_NOT_PEM', /not PEM/],
    ['CA is a leaf', createNodeCertificate(leaf, { name: 'n' }), 'ERR_TLS_NOT_CA', /not a CA/],
    ['CA expired', createNodeCertificate(ca, { name: 'n', now: NOW + 31 * DAY_MS }), 'ERR_TLS_EXPIRED', /the CA certificate expired at 2026-02-14T12:00:00.000Z/],
    ['CA key of another CA', createNodeCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { name: 'n' }), 'ERR_TLS_KEY_MISMATCH', /does not belong/],
  ];
  for (const [label, promise, code, message] of cases) {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof TlsMaterialError, label);
      assert.equal(error.code, code, label);
      assert.match(error.message, message, label);
      return true;
    });
  }
});
