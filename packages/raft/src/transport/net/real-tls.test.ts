// TlsStreamLayer: mutual authentication against a CA generated here. Peers
// with certificates from the CA talk; a peer from another CA is refused,
// and the error says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '@shoal/kit';
import { NetworkTransport } from './network-transport.js';
import { describeHandshakeError, TlsStreamLayer } from './real-tls-stream-layer.js';
import { appendRequest, echoHandler } from './test-rpc-handler.js';

// Throwaway certificates from the openssl CLI: @peculiar/x509 needs a
// reflect-metadata polyfill the workspace does not have, and node:crypto
// cannot issue certificates.
const clock = new RealClock();
const dir = mkdtempSync(join(tmpdir(), 'shoal-tls-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

async function authority(name: string): Promise<{ ca: string; issue(cn: string): Promise<{ cert: string; key: string }> }> {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return {
    ca: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    async issue(cn) {
      const ext = join(dir, `${name}-${cn}.ext`);
      writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}-${cn}.key`, '-out', `${name}-${cn}.csr`, '-subj', `/CN=${cn}`);
      openssl('x509', '-req', '-in', `${name}-${cn}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-CAcreateserial', '-out', `${name}-${cn}.pem`, '-days', '1', '-extfile', ext);
      return { cert: readFileSync(join(dir, `${name}-${cn}.pem`), 'utf8'), key: readFileSync(join(dir, `${name}-${cn}.key`), 'utf8') };
    },
  };
}

test('TLS with mutual authentication: same CA talks, another CA is refused with the reason', async () => {
  const good = await authority('goodca');
  const evil = await authority('evilca');
  const handshakeErrors: string[] = [];
  const server = new NetworkTransport({
    layer: await TlsStreamLayer.listen({ bind: '127.0.0.1:0', ca: good.ca, ...(await good.issue('b')), onHandshakeError: (err) => handshakeErrors.push(err.message) }),
    clock,
    timeoutMs: 2000,
  });
  server.setHandler(echoHandler());
  const client = new NetworkTransport({ layer: await TlsStreamLayer.listen({ bind: '127.0.0.1:0', ca: good.ca, ...(await good.issue('a')) }), clock, timeoutMs: 2000 });
  // Trusts the right CA but presents a certificate from another one.
  const stranger = new NetworkTransport({ layer: await TlsStreamLayer.listen({ bind: '127.0.0.1:0', ca: good.ca, ...(await evil.issue('x')) }), clock, timeoutMs: 2000 });
  // Presents a good certificate but trusts another CA.
  const doubter = new NetworkTransport({ layer: await TlsStreamLayer.listen({ bind: '127.0.0.1:0', ca: evil.ca, ...(await good.issue('y')) }), clock, timeoutMs: 2000 });
  try {
    assert.equal((await client.appendEntries('b', server.localAddr, appendRequest(1, 1))).success, true);
    await assert.rejects(doubter.appendEntries('b', server.localAddr, appendRequest(1, 1)), (err: Error) => {
      assert.match(err.message, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*(certificate|verify)/i);
      return true;
    });
    await assert.rejects(stranger.appendEntries('b', server.localAddr, appendRequest(1, 1)), (err: Error) => {
      assert.match(err.message, /alert|certificate|handshake|closed/i);
      return true;
    });
    // The server only learns that the peer hung up (OpenSSL's reason stays on the peer's side).
    assert.ok(handshakeErrors.length >= 1, 'the server reported the failed handshakes');

  } finally {
    for (const t of [client, stranger, doubter, server]) await t.close();
  }
});

test("handshake errors carry OpenSSL's reason without its error-queue prefix and source location", () => {
  // As Node 20 reports an alert from a Go peer that refused our certificate.
  const raw = '80EC623D8A7F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n';
  const err = Object.assign(new Error(raw), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });
  assert.equal(describeHandshakeError(err, '10.0.0.4:7000').message, 'TLS handshake with 10.0.0.4:7000 failed: sslv3 alert bad certificate, SSL alert number 42 (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)');
  const plain = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  assert.equal(describeHandshakeError(plain, '10.0.0.4:7000').message, 'TLS handshake with 10.0.0.4:7000 failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
});
