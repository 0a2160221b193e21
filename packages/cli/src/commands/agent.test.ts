import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCa, createNodeCertificate } from '@shoal/memberlist-quic';
import { AGENT_USAGE, parseAgentArgs } from './agent-args.js';

/** `shoal agent` built with the agent's test store and HTTP API (src/testing/agent-main.ts). */
const AGENT_MAIN = new URL('../testing/agent-main.ts', import.meta.url).pathname;
const WAIT_MS = 60_000;

test('agent arguments: bad ones are usage errors', () => {
  const base = ['--name', 'a', '--data-dir', '/tmp/x'];
  const bad = [
    [],
    ['--name', 'a'],
    ['--data-dir', '/tmp/x'],
    [...base, '--bind', 'nope'],
    [...base, '--http', '127.0.0.1:99999'],
    [...base, '--bootstrap-expect', '3'],
    [...base, '--raft-bind', '127.0.0.1:8300'],
    [...base, '--server', '--bootstrap-expect', '0'],
    [...base, '--server', '--bootstrap-expect', 'three'],
    [...base, '--server', '--raft-tls-ca', 'ca.pem'],
    [...base, '--key', 'AAAA'],
    [...base, '--key', '!!'],
    [...base, '--profile', 'moon'],
    [...base, '--datacenter', 'dc 1'],
    [...base, '--log-level', 'loud'],
    [...base, 'extra'],
  ];
  for (const args of bad) assert.throws(() => parseAgentArgs(args), (e: Error & { code?: string }) => e.code === 'ERR_USAGE', args.join(' '));
});

test('agent arguments: defaults, and a server with everything', () => {
  const client = parseAgentArgs(['--name', 'c1', '--data-dir', 'd']);
  assert.deepEqual(client, {
    name: 'c1',
    dataDir: 'd',
    server: false,
    bind: { host: '0.0.0.0', port: 8301 },
    raftBind: '0.0.0.0:8300',
    http: { host: '127.0.0.1', port: 8500 },
    join: [],
    datacenter: 'dc1',
    profile: 'lan',
    logLevel: 'info',
  });
  const key = Buffer.alloc(32, 7).toString('base64');
  const server = parseAgentArgs([
    '--name', 's1', '--data-dir', 'd', '--server', '--bootstrap-expect', '3', '--bind', '10.0.0.1:7301', '--advertise', '10.0.0.1:7301',
    '--raft-bind', '10.0.0.1:7300', '--http', '0.0.0.0:7500', '--join', '10.0.0.2:7301,10.0.0.3:7301', '--datacenter', 'eu-1', '--key', key,
    '--raft-tls-ca', 'ca.pem', '--raft-tls-cert', 's1.pem', '--raft-tls-key', 's1-key.pem', '--profile', 'wan', '--log-level', 'debug',
  ]);
  assert.equal(server.server, true);
  assert.equal(server.bootstrapExpect, 3);
  assert.deepEqual(server.join, ['10.0.0.2:7301', '10.0.0.3:7301']);
  assert.equal(server.key?.length, 32);
  assert.deepEqual(server.raftTls, { ca: 'ca.pem', cert: 's1.pem', key: 's1-key.pem' });
  assert.deepEqual(server.advertise, { host: '10.0.0.1', port: 7301 });
});

test('agent usage: every optional option that takes a value is described with its default', () => {
  const synopsis = AGENT_USAGE.split('\n\n')[0]!;
  const optional = [...synopsis.matchAll(/\[--([a-z][a-z-]*)[ =][^\]]*\]/g)].map((m) => m[1]!);
  assert.ok(optional.length >= 8);
  for (const name of optional) {
    const lines = AGENT_USAGE.split('\n');
    const start = lines.findIndex((line) => new RegExp(`^\\s+(--[a-z-]+[^,]*\\s)*--${name}\\b`).test(line));
    assert.ok(start >= 0, `--${name} is not described`);
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((line) => line.trim() === '' || /^\s{1,4}--/.test(line));
    const text = [lines[start]!, ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
    assert.match(text, /default/i, `--${name} does not say its default`);
  }
});

interface AgentProcess {
  child: ChildProcessWithoutNullStreams;
  events: Record<string, unknown>[];
  stderr: () => string;
  until(what: string, pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
}

function agent(args: string[]): AgentProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', AGENT_MAIN, 'agent', ...args], { stdio: 'pipe' });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    events,
    stderr: () => stderr,
    exit,
    until: (what, pred) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; events ${JSON.stringify(events)}; stderr ${stderr}`));
        }, WAIT_MS);
        const check = (): void => {
          const e = events.find(pred);
          if (e === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(e);
        };
        waiters.add(check);
        check();
      }),
  };
}

async function exitWithin(p: AgentProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`no exit within ${ms} ms; stderr ${p.stderr()}`)), ms)));
  try {
    return await Promise.race([p.exit, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('`shoal agent` with bad arguments prints one line and exits 2', { timeout: 60_000 }, async () => {
  const p = agent(['--name', 'x', '--data-dir', '/tmp/none', '--bootstrap-expect', '3']);
  assert.equal(await exitWithin(p, 30_000), 2);
  assert.equal(p.stderr(), 'shoal agent: --bootstrap-expect needs --server\n');
});

/** A CA and a certificate for each of `names` (IP SAN 127.0.0.1), written under `dir`: the --raft-tls-* flags of each. */
async function raftTlsFlags(dir: string, names: string[]): Promise<Map<string, string[]>> {
  const ca = await createCa();
  await writeFile(join(dir, 'ca.pem'), ca.certPem);
  const flags = new Map<string, string[]>();
  for (const name of names) {
    const node = await createNodeCertificate(ca, { name, ips: ['127.0.0.1'] });
    await writeFile(join(dir, `${name}.pem`), node.certPem);
    await writeFile(join(dir, `${name}-key.pem`), node.keyPem, { mode: 0o600 });
    flags.set(name, ['--raft-tls-ca', join(dir, 'ca.pem'), '--raft-tls-cert', join(dir, `${name}.pem`), '--raft-tls-key', join(dir, `${name}-key.pem`)]);
  }
  return flags;
}

test('three `shoal agent --server --bootstrap-expect 3` processes (gossip key, raft over TLS) bootstrap raft by gossip, agree on a leader, and exit 0 on SIGTERM', { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-agent-cli-'));
  const tls = await raftTlsFlags(root, ['n1', 'n2', 'n3']);
  const key = Buffer.alloc(32, 9).toString('base64');
  const server = (name: string, seeds: string[] = []): AgentProcess =>
    agent([
      '--name', name, '--data-dir', join(root, name), '--server', '--bootstrap-expect', '3', '--key', key, ...tls.get(name)!,
      '--bind', '127.0.0.1:0', '--raft-bind', '127.0.0.1:0', '--http', '127.0.0.1:0', '--profile', 'local', '--log-level', 'warn',
      ...(seeds.length > 0 ? ['--join', seeds.join(',')] : []),
    ]);
  const procs: AgentProcess[] = [];
  try {
    const first = server('n1');
    procs.push(first);
    const ready = await first.until('n1 ready', (e) => e.event === 'ready');
    assert.equal(first.events[0], ready, 'ready is the first line');
    assert.equal(ready.role, 'server');
    assert.match(String(ready.raft), /^127\.0\.0\.1:\d+$/);
    // Raft speaks TLS with the cluster's CA: a handshake with another server's certificate succeeds.
    const [ca, cert, tlsKey] = await Promise.all(['ca.pem', 'n2.pem', 'n2-key.pem'].map((f) => readFile(join(root, f))));
    await new Promise<void>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(String(ready.raft).split(':')[1]), ca, cert, key: tlsKey }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });
    procs.push(server('n2', [String(ready.gossip)]), server('n3', [String(ready.gossip)]));

    for (const p of procs) await p.until('a leader', (e) => e.event === 'leader' && e.leader !== null);
    // The latest leader each reports: the same server everywhere once elections settle.
    const latestLeader = (p: AgentProcess): unknown => p.events.filter((e) => e.event === 'leader').at(-1)?.leader;
    const deadline = Date.now() + WAIT_MS;
    while (new Set(procs.map(latestLeader)).size !== 1 || latestLeader(procs[0]!) === null) {
      assert.ok(Date.now() < deadline, `no agreement on a leader: ${JSON.stringify(procs.map((p) => p.events.filter((e) => e.event === 'leader')))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(['n1', 'n2', 'n3'].includes(String(latestLeader(procs[0]!))));
    assert.ok(procs.some((p) => p.events.some((e) => e.event === 'bootstrapped')), 'some server bootstrapped');
    for (const p of procs) {
      const bootstraps = p.events.filter((e) => e.event === 'bootstrapped');
      for (const b of bootstraps) assert.deepEqual(b.servers, ['n1', 'n2', 'n3']);
    }
    for (const p of procs) {
      for (const name of ['n1', 'n2', 'n3']) await p.until(`${name} alive`, (e) => e.event === 'member' && e.node === name && e.status === 'alive');
    }

    for (const p of procs) p.child.kill('SIGTERM');
    const codes = await Promise.all(procs.map((p) => exitWithin(p, 60_000)));
    assert.deepEqual(codes, [0, 0, 0], procs.map((p) => p.stderr()).join('\n'));
    for (const p of procs) assert.match(p.stderr(), /SIGTERM: leaving the cluster/);
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});
