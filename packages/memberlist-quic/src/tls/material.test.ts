import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createNodeCertificate } from './create.js';
import { TlsMaterialError, type TlsMaterialErrorCode } from './errors.js';
import { loadTlsMaterial } from './load-real.js';
import { parseTlsMaterial, type TlsMaterialPem } from './material.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY_MS = 86_400_000;

const ca = await createCa({ now: NOW });
const otherCa = await createCa({ now: NOW });
const node = await createNodeCertificate(ca, { name: 'node-1', days: 10, now: NOW });
const otherNode = await createNodeCertificate(ca, { name: 'node-2', now: NOW });
const good: TlsMaterialPem = { caPem: ca.certPem, certPem: node.certPem, keyPem: node.keyPem };
const scratch = mkdtempSync(join(tmpdir(), 'shoal-tls-material-'));

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

function expectError(run: () => unknown, code: TlsMaterialErrorCode, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TlsMaterialError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    return true;
  });
}

test('parseTlsMaterial: a good set gives the parsed forms and the node name', () => {
  const material = parseTlsMaterial(good, { now: NOW });
  assert.equal(material.commonName, 'node-1');
  assert.equal(material.ca.ca, true);
  assert.equal(material.cert.subject, 'CN=node-1');
  assert.equal(material.key.asymmetricKeyType, 'ec');
  assert.equal(material.certPem, node.certPem);
});

test('parseTlsMaterial: a key in PKCS#8 is accepted as well as SEC1', () => {
  const material = parseTlsMaterial(good, { now: NOW });
  const pkcs8 = material.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.match(pkcs8, /BEGIN PRIVATE KEY/);
  assert.equal(parseTlsMaterial({ ...good, keyPem: pkcs8 }, { now: NOW }).commonName, 'node-1');
});

test('parseTlsMaterial: each kind of bad material is one typed error naming it', () => {
  const cases: [string, Partial<TlsMaterialPem>, number, TlsMaterialErrorCode, RegExp][] = [
    ['CA not PEM', { caPem: 'not a pem' }, NOW, 'ERR_TLS_NOT_PEM', /^CA certificate is not PEM/],
    ['cert is a key', { certPem: node.keyPem }, NOW, 'ERR_TLS_NOT_CERTIFICATE', /^certificate holds EC PRIVATE KEY, not a CERTIFICATE/],
    ['cert is a corrupt PEM', { certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }, NOW, 'ERR_TLS_NOT_CERTIFICATE', /not a valid X.509 certificate/],
    ['two CAs in the CA file', { caPem: ca.certPem + otherCa.certPem }, NOW, 'ERR_TLS_NOT_CERTIFICATE', /holds 2 certificates; expected exactly one/],
    ['key is a certificate', { keyPem: node.certPem }, NOW, 'ERR_TLS_NOT_PRIVATE_KEY', /^key holds CERTIFICATE, not a PRIVATE KEY/],
    ['encrypted key', { keyPem: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n' }, NOW, 'ERR_TLS_UNSUPPORTED_KEY', /encrypted/],
    ['key of another node', { keyPem: otherNode.keyPem }, NOW, 'ERR_TLS_KEY_MISMATCH', /^key does not belong to certificate/],
    ['CA is a node certificate', { caPem: otherNode.certPem }, NOW, 'ERR_TLS_NOT_CA', /is not a CA certificate/],
    ['cert from another CA', { caPem: otherCa.certPem }, NOW, 'ERR_TLS_NOT_ISSUED_BY_CA', /is not issued by the trusted CA/],
    ['expired', {}, NOW + 11 * DAY_MS, 'ERR_TLS_EXPIRED', /"node-1" expired at/],
    ['not yet valid', {}, NOW - DAY_MS, 'ERR_TLS_NOT_YET_VALID', /not valid before/],
  ];
  for (const [label, change, now, code, message] of cases) {
    assert.doesNotThrow(() => {
      expectError(() => parseTlsMaterial({ ...good, ...change }, { now }), code, message);
    }, label);
  }
});

test('loadTlsMaterial: reads the files and names them in its errors', async () => {
  const caFile = write('ca.pem', ca.certPem);
  const certFile = write('node-1.pem', node.certPem);
  const keyFile = write('node-1-key.pem', node.keyPem);
  const material = await loadTlsMaterial({ caFile, certFile, keyFile }, { now: NOW });
  assert.equal(material.commonName, 'node-1');

  const missing = join(scratch, 'missing.pem');
  await assert.rejects(loadTlsMaterial({ caFile: missing, certFile, keyFile }, { now: NOW }), {
    code: 'ERR_TLS_FILE_UNREADABLE',
    message: `cannot read CA file ${missing}: no such file`,
  });
  await assert.rejects(loadTlsMaterial({ caFile, certFile: scratch, keyFile }, { now: NOW }), {
    code: 'ERR_TLS_FILE_UNREADABLE',
    message: `certificate file ${scratch} is not a regular file`,
  });
  const wrongKey = write('wrong-key.pem', otherNode.keyPem);
  await assert.rejects(loadTlsMaterial({ caFile, certFile, keyFile: wrongKey }, { now: NOW }), {
    code: 'ERR_TLS_KEY_MISMATCH',
    message: `key ${wrongKey} does not belong to certificate ${certFile}`,
  });
  await assert.rejects(loadTlsMaterial({ caFile, certFile, keyFile }, { now: NOW + 11 * DAY_MS }), { code: 'ERR_TLS_EXPIRED' });
  if (process.getuid?.() !== 0) {
    const unreadable = write('unreadable.pem', node.keyPem);
    chmodSync(unreadable, 0o000);
    await assert.rejects(loadTlsMaterial({ caFile, certFile, keyFile: unreadable }, { now: NOW }), { message: `cannot read key file ${unreadable}: permission denied` });
  }
});

test('loadTlsMaterial: without `now`, the wall clock (a fresh certificate is valid now)', async () => {
  const caFresh = await createCa();
  const freshNode = await createNodeCertificate(caFresh, { name: 'fresh' });
  const material = await loadTlsMaterial({ caFile: write('ca-fresh.pem', caFresh.certPem), certFile: write('fresh.pem', freshNode.certPem), keyFile: write('fresh-key.pem', freshNode.keyPem) });
  assert.equal(material.commonName, 'fresh');
});
