// `shoal member --transport quic`: certificates from `shoal tls`, three
// processes joining over QUIC with mutual TLS, a node from another CA that
// never joins, and TLS flags that are missing or unusable (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.js';
import { spawnShoal, type ShoalProcess } from '../testing/shoal-process.js';
import { captureIo } from '../testing/capture-io.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

/** Runs a `shoal` command in this process, as the bin would; fails the test unless it exits `expected`. */
async function shoal(argv: string[], expected = 0): Promise<{ out: string; err: string }> {
  const c = captureIo();
  assert.equal(await main(argv, c.io), expected, `shoal ${argv.join(' ')}: ${c.err}`);
  return { out: c.out, err: c.err };
}

type Proc = ShoalProcess;

function member(args: string[]): Proc {
  return spawnShoal(['member', '--profile', 'local', ...args], { waitMs: 15_000 });
}

/** A node's QUIC flags for the files `shoal tls cert --name NAME --out DIR` wrote. */
function tlsFlags(ca: string, dir: string, name: string): string[] {
  return ['--transport', 'quic', '--tls-ca', join(ca, 'ca.pem'), '--tls-cert', join(dir, `${name}.pem`), '--tls-key', join(dir, `${name}-key.pem`)];
}

test('three `shoal member --transport quic` nodes form one cluster; a node from another CA never joins', { timeout: 40_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-member-quic-'));
  const procs: Proc[] = [];
  try {
    const ca = join(dir, 'ca');
    const certs = join(dir, 'certs');
    const other = join(dir, 'other');
    await shoal(['tls', 'ca', '--out', ca]);
    for (const name of ['node-1', 'node-2', 'node-3']) await shoal(['tls', 'cert', '--ca-dir', ca, '--name', name, '--ip', '127.0.0.1', '--out', certs]);
    await shoal(['tls', 'ca', '--out', other, '--name', 'another CA']);
    await shoal(['tls', 'cert', '--ca-dir', other, '--name', 'intruder', '--ip', '127.0.0.1', '--out', other]);

    const common = ['--key', KEY, '--label', 'quic-test', '--require-node-name'];
    const n1 = member(['--name', 'node-1', '--bind', '127.0.0.1:0', ...common, ...tlsFlags(ca, certs, 'node-1')]);
    procs.push(n1);
    const self = await n1.until((e) => e.event === 'join' && e.node === 'node-1', 'node-1 starts');
    assert.equal(n1.events[0], self, 'the first line is its own join');
    const seed = String(self.addr);
    const n2 = member(['--name', 'node-2', '--bind', '127.0.0.1:0', '--join', seed, ...common, ...tlsFlags(ca, certs, 'node-2')]);
    const n3 = member(['--name', 'node-3', '--bind', '127.0.0.1:0', '--join', seed, ...common, ...tlsFlags(ca, certs, 'node-3')]);
    procs.push(n2, n3);
    const nodes = [n1, n2, n3];
    await Promise.all([n2, n3].map((p) => p.until((e) => e.event === 'joined', 'joined')));
    for (const [i, p] of nodes.entries()) {
      for (const name of ['node-1', 'node-2', 'node-3']) await p.until((e) => e.event === 'join' && e.node === name, `node-${i + 1} sees ${name}`);
    }

    // Another CA: both sides refuse the handshake, so the join fails (exit 1) and nobody sees it.
    const intruder = member(['--name', 'intruder', '--bind', '127.0.0.1:0', '--join', seed, ...tlsFlags(other, other, 'intruder')]);
    procs.push(intruder);
    assert.equal(await intruder.exit, 1);
    assert.match(intruder.stderr(), /join failed: .*not issued by the trusted CA/);
    for (let waited = 0; !/"reason":"unknown-ca"/.test(n1.stderr()) && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.match(n1.stderr(), /"reason":"unknown-ca"/, 'node-1 logs why it refused the intruder');
    for (const p of nodes) assert.ok(!p.events.some((e) => e.node === 'intruder'), 'nobody sees the intruder');

    // SIGTERM leaves gracefully (exit 0); SIGINT exits at once (130).
    n3.child.kill('SIGTERM');
    assert.equal(await n3.exit, 0);
    await n1.until((e) => e.event === 'leave' && e.node === 'node-3', 'node-1 sees node-3 leave');
    await n2.until((e) => e.event === 'leave' && e.node === 'node-3', 'node-2 sees node-3 leave');
    n2.child.kill('SIGINT');
    n1.child.kill('SIGINT');
    assert.deepEqual(await Promise.all([n1.exit, n2.exit]), [130, 130]);
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('missing, unreadable or unusable TLS flags are one line and exit 2', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-member-quic-flags-'));
  try {
    const ca = join(dir, 'ca');
    await shoal(['tls', 'ca', '--out', ca]);
    for (const name of ['node-1', 'node-2']) await shoal(['tls', 'cert', '--ca-dir', ca, '--name', name, '--out', ca]);
    await writeFile(join(dir, 'junk.pem'), 'not a certificate\n');
    const base = ['member', '--name', 'node-1', '--bind', '127.0.0.1:0'];
    const good = { ca: join(ca, 'ca.pem'), cert: join(ca, 'node-1.pem'), key: join(ca, 'node-1-key.pem') };
    const cases: [string[], RegExp][] = [
      [['--transport', 'quic'], /--transport quic requires --tls-ca FILE, --tls-cert FILE, --tls-key FILE/],
      [['--transport', 'quic', '--tls-ca', good.ca, '--tls-cert', good.cert], /requires --tls-key FILE/],
      [['--transport', 'tcp'], /--transport must be udp or quic/],
      [['--tls-ca', good.ca], /--tls-ca needs --transport quic/],
      [['--require-node-name'], /--require-node-name needs --transport quic/],
      [['--transport', 'quic', '--tls-ca', join(dir, 'nope.pem'), '--tls-cert', good.cert, '--tls-key', good.key], /cannot read CA file .*nope\.pem: no such file/],
      [['--transport', 'quic', '--tls-ca', good.ca, '--tls-cert', join(dir, 'junk.pem'), '--tls-key', good.key], /junk\.pem/],
      [['--transport', 'quic', '--tls-ca', good.cert, '--tls-cert', good.cert, '--tls-key', good.key], /is not a CA certificate/],
      [['--transport', 'quic', '--tls-ca', good.ca, '--tls-cert', good.cert, '--tls-key', join(ca, 'node-2-key.pem')], /does not belong to/],
      [['--transport', 'quic', '--tls-ca', good.ca, '--tls-cert', join(ca, 'node-2.pem'), '--tls-key', join(ca, 'node-2-key.pem'), '--require-node-name'], /--name 'node-1' is not the CN 'node-2'/],
    ];
    for (const [args, message] of cases) {
      const { err } = await shoal([...base, ...args], 2);
      assert.equal(err.trim().split('\n').length, 1, err);
      assert.match(err, message);
    }

    // The process itself exits 2 too (run.ts maps main's result to the exit code).
    const p = member(['--name', 'node-1', '--bind', '127.0.0.1:0', '--transport', 'quic', '--tls-ca', good.ca, '--tls-cert', good.cert, '--tls-key', join(dir, 'missing-key.pem')]);
    assert.equal(await p.exit, 2);
    assert.match(p.stderr(), /^shoal member: cannot read key file .*missing-key\.pem: no such file\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--help documents the QUIC flags', async () => {
  const { out } = await shoal(['member', '--help']);
  for (const flag of ['--transport udp|quic', '--tls-ca FILE', '--tls-cert FILE', '--tls-key FILE', '--require-node-name']) assert.ok(out.includes(flag), flag);
});
