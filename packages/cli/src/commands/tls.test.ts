import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial, verifyPeerCertificate } from '@shoal/memberlist-quic';
import { main } from '../main.js';
import { CA_CERT_FILE, CA_KEY_FILE } from './tls.js';

const scratch = mkdtempSync(join(tmpdir(), 'shoal-tls-'));
let dirs = 0;
const freshDir = (): string => join(scratch, `d${++dirs}`);

async function shoal(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), signal: new AbortController().signal };
  const code = await main(argv, io);
  return { code, out, err };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

/** A CA made by `shoal tls ca`, shared by the tests that only need one. */
const caDir = freshDir();
const made = await shoal('tls', 'ca', '--out', caDir, '--name', 'test cluster CA', '--days', '30');

test('tls ca: writes ca.pem and ca-key.pem (0600) in a new directory, and says so', () => {
  assert.equal(made.code, 0, made.err);
  assert.equal(made.err, '');
  assert.match(made.out, /^created CA CN=test cluster CA, valid until \d{4}-\d\d-\d\dT.*ca\.pem \(give to every node\), .*ca-key\.pem \(keep secret\)\n$/);
  const cert = new X509Certificate(readFileSync(join(caDir, CA_CERT_FILE)));
  assert.equal(cert.ca, true);
  assert.equal(cert.subject, 'CN=test cluster CA');
  const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30, `30 days, got ${days}`);
  assert.match(readFileSync(join(caDir, CA_KEY_FILE), 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
  assert.equal(mode(join(caDir, CA_KEY_FILE)), 0o600);
  assert.equal(mode(caDir) & 0o077, 0, 'the new directory is private');
});

test('tls cert: a node certificate that verifies against the tls ca CA (node:crypto, verifyPeerCertificate, loadTlsMaterial)', async () => {
  const out = freshDir();
  const result = await shoal('tls', 'cert', '--ca-dir', caDir, '--name', 'node-1', '--ip', '127.0.0.1', '--ip', '10.0.0.1', '--dns', 'node-1.example', '--out', out);
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /^created certificate CN=node-1 \(DNS:node-1, DNS:node-1\.example, IP Address:127\.0\.0\.1, IP Address:10\.0\.0\.1\), valid until .*, signed by CN=test cluster CA: .*node-1\.pem, .*node-1-key\.pem\n$/);
  const certFile = join(out, 'node-1.pem');
  const keyFile = join(out, 'node-1-key.pem');
  assert.equal(mode(keyFile), 0o600);

  const ca = new X509Certificate(readFileSync(join(caDir, CA_CERT_FILE)));
  const cert = new X509Certificate(readFileSync(certFile));
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'node:crypto: issued and signed by the CA');
  assert.deepEqual(verifyPeerCertificate([cert.raw], ca, { now: Date.now(), expectedName: 'node-1' }), { ok: true, commonName: 'node-1' });
  const material = await loadTlsMaterial({ caFile: join(caDir, CA_CERT_FILE), certFile, keyFile });
  assert.equal(material.commonName, 'node-1');
  const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 364.9 && days <= 365, `365 days by default, got ${days}`);

  const openssl = spawnSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(caDir, CA_CERT_FILE), certFile], { encoding: 'utf8' });
  if (openssl.error === undefined) assert.equal(openssl.stdout.trim(), `${certFile}: OK`, openssl.stderr);
});

test('tls cert: a certificate of another CA does not verify against this one', async () => {
  const otherCa = freshDir();
  assert.equal((await shoal('tls', 'ca', '--out', otherCa)).code, 0);
  const out = freshDir();
  assert.equal((await shoal('tls', 'cert', '--ca-dir', otherCa, '--name', 'rogue', '--out', out)).code, 0);
  const ca = new X509Certificate(readFileSync(join(caDir, CA_CERT_FILE)));
  const rogue = new X509Certificate(readFileSync(join(out, 'rogue.pem')));
  const verdict = verifyPeerCertificate([rogue.raw], ca, { now: Date.now() });
  assert.equal(verdict.ok, false);
  assert.equal(!verdict.ok && verdict.reason, 'unknown-ca');
});

test('tls ca and tls cert refuse to overwrite without --force, and with --force replace (the key still 0600)', async () => {
  const dir = freshDir();
  assert.equal((await shoal('tls', 'ca', '--out', dir)).code, 0);
  const before = readFileSync(join(dir, CA_KEY_FILE), 'utf8');
  const again = await shoal('tls', 'ca', '--out', dir);
  assert.equal(again.code, 2);
  assert.equal(again.err, `shoal tls ca: ${join(dir, CA_CERT_FILE)} already exists; pass --force to replace it\n`);
  assert.equal(readFileSync(join(dir, CA_KEY_FILE), 'utf8'), before, 'nothing written');

  const forced = await shoal('tls', 'ca', '--out', dir, '--force');
  assert.equal(forced.code, 0, forced.err);
  assert.notEqual(readFileSync(join(dir, CA_KEY_FILE), 'utf8'), before);
  assert.equal(mode(join(dir, CA_KEY_FILE)), 0o600);

  const out = freshDir();
  mkdirSync(out);
  writeFileSync(join(out, 'node-2-key.pem'), 'old', { mode: 0o644 });
  const refused = await shoal('tls', 'cert', '--ca-dir', dir, '--name', 'node-2', '--out', out);
  assert.equal(refused.code, 2);
  assert.equal(refused.err, `shoal tls cert: ${join(out, 'node-2-key.pem')} already exists; pass --force to replace it\n`);
  assert.equal((await shoal('tls', 'cert', '--ca-dir', dir, '--name', 'node-2', '--out', out, '--force')).code, 0);
  assert.equal(mode(join(out, 'node-2-key.pem')), 0o600, 'a replaced key does not keep the old mode');
});

test('bad input: one line on stderr and exit 2', async () => {
  const notCaDir = freshDir();
  mkdirSync(notCaDir);
  writeFileSync(join(notCaDir, CA_CERT_FILE), 'hello');
  writeFileSync(join(notCaDir, CA_KEY_FILE), readFileSync(join(caDir, CA_KEY_FILE)));
  const out = freshDir();
  const cases: [string[], RegExp][] = [
    [['tls', 'ca'], /^shoal tls ca: missing --out DIR$/],
    [['tls', 'ca', '--out', out, '--days', '0'], /^shoal tls ca: --days must be an integer from 1 to 36500, got '0'$/],
    [['tls', 'ca', '--out', out, '--days', 'many'], /^shoal tls ca: --days must be an integer/],
    [['tls', 'ca', '--out', out, '--name', ''], /^shoal tls ca: --name must not be empty$/],
    [['tls', 'ca', '--out', out, 'extra'], /^shoal tls ca: unexpected argument 'extra'$/],
    [['tls', 'ca', '--out', out, '--bogus'], /^shoal tls ca: unknown option '--bogus'; usage: shoal tls ca --out DIR/],
    [['tls', 'cert', '--name', 'n', '--out', out], /^shoal tls cert: missing --ca-dir DIR$/],
    [['tls', 'cert', '--ca-dir', caDir, '--out', out], /^shoal tls cert: missing --name NAME$/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', 'n'], /^shoal tls cert: missing --out DIR$/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', '../n', '--out', out], /^shoal tls cert: --name '..\/n' cannot name the files/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', 'n', '--ip', '300.1.1.1', '--out', out], /^shoal tls cert: '300\.1\.1\.1' is not an IPv4 or IPv6 address$/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', 'n', '--dns', 'a..b', '--out', out], /^shoal tls cert: 'a\.\.b' is not a DNS name$/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', 'n', '--days', '-3', '--out', out], /^shoal tls cert: --days cannot be negative/],
    [['tls', 'cert', '--ca-dir', join(scratch, 'nowhere'), '--name', 'n', '--out', out], /^shoal tls cert: cannot read .*nowhere\/ca\.pem: no such file \(is --ca-dir a directory made by `shoal tls ca`\?\)$/],
    [['tls', 'cert', '--ca-dir', notCaDir, '--name', 'n', '--out', out], /^shoal tls cert: the CA certificate is not PEM/],
    [['tls', 'cert', '--ca-dir', caDir, '--name', 'ca', '--out', caDir], /^shoal tls cert: --name 'ca' in --out .* would overwrite the CA's own files$/],
    [['tls'], /^shoal: unknown command 'tls' \(did you mean: tls ca, tls cert\? see `shoal tls --help`\)$/],
  ];
  for (const [argv, message] of cases) {
    const result = await shoal(...argv);
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.err}`);
    assert.equal(result.out, '', argv.join(' '));
    assert.match(result.err, /^[^\n]*\n$/, `one line: ${result.err}`);
    assert.match(result.err.trimEnd(), message, argv.join(' '));
  }
  assert.throws(() => statSync(out), /ENOENT/, 'nothing was created for bad input');
});

test('a node certificate as the CA is refused', async () => {
  const dir = freshDir();
  const node = freshDir();
  assert.equal((await shoal('tls', 'cert', '--ca-dir', caDir, '--name', 'leaf', '--out', node)).code, 0);
  mkdirSync(dir);
  writeFileSync(join(dir, CA_CERT_FILE), readFileSync(join(node, 'leaf.pem')));
  writeFileSync(join(dir, CA_KEY_FILE), readFileSync(join(node, 'leaf-key.pem')));
  const result = await shoal('tls', 'cert', '--ca-dir', dir, '--name', 'n', '--out', freshDir());
  assert.equal(result.code, 2);
  assert.equal(result.err, 'shoal tls cert: the CA certificate is not a CA (basic constraints CA is not set)\n');
});

test('a directory that cannot be written: one line and exit 1', async () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, '');
  const result = await shoal('tls', 'ca', '--out', join(file, 'sub'));
  assert.equal(result.code, 1);
  assert.match(result.err, /^shoal tls ca: cannot write .*a-file\/sub: ENOTDIR\n$/);
});

test('--help prints the usage', async () => {
  const ca = await shoal('tls', 'ca', '--help');
  assert.equal(ca.code, 0);
  assert.match(ca.out, /^usage: shoal tls ca --out DIR/);
  const cert = await shoal('tls', 'cert', '--help');
  assert.match(cert.out, /--ip IP +an address peers dial/);
});
