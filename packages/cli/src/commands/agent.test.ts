// `shoal agent` as a user runs it: its arguments, and real processes on
// loopback with the npm `consul` client pointed at them. One cluster of
// three servers that bootstrap by gossip and one client agent; one dev agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { waitFor } from '@shoal/kit/testing';
import { createCa, createNodeCertificate } from '@shoal/memberlist-quic';
import { spawnShoal, type ShoalProcess } from '../testing/shoal-process.js';
import { AGENT_OPTIONS, AGENT_USAGE, parseAgentArgs } from './agent-args.js';

const WAIT_MS = 45_000;

test('agent arguments: bad ones are usage errors', () => {
  const base = ['--name', 'a', '--data-dir', '/tmp/x'];
  const bad = [
    [],
    ['--name', 'a'],
    ['--data-dir', '/tmp/x'],
    ['--name', '', '--data-dir', '/tmp/x'],
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
    ['--dev', '--server'],
    ['--dev', '--join', '127.0.0.1:8301'],
    ['--dev', '--bind', '127.0.0.1:8301'],
    ['--dev', '--http', 'nope'],
  ];
  for (const args of bad) assert.throws(() => parseAgentArgs(args), (e: Error & { code?: string }) => e.code === 'ERR_USAGE', args.join(' '));
});

test('agent arguments: defaults, a server with everything, and dev mode', () => {
  const client = parseAgentArgs(['--name', 'c1', '--data-dir', 'd']);
  assert.deepEqual(client, {
    mode: 'cluster',
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
  assert.ok(server.mode === 'cluster');
  assert.equal(server.server, true);
  assert.equal(server.bootstrapExpect, 3);
  assert.deepEqual(server.join, ['10.0.0.2:7301', '10.0.0.3:7301']);
  assert.equal(server.key?.length, 32);
  assert.deepEqual(server.raftTls, { ca: 'ca.pem', cert: 's1.pem', key: 's1-key.pem' });
  assert.deepEqual(server.advertise, { host: '10.0.0.1', port: 7301 });
  assert.deepEqual(parseAgentArgs(['--dev']), { mode: 'dev', http: { host: '127.0.0.1', port: 8500 }, datacenter: 'dc1', logLevel: 'info' });
  assert.deepEqual(parseAgentArgs(['--dev', '--name', 'laptop', '--data-dir', 'd', '--http', '127.0.0.1:0']), {
    mode: 'dev',
    name: 'laptop',
    dataDir: 'd',
    http: { host: '127.0.0.1', port: 0 },
    datacenter: 'dc1',
    logLevel: 'info',
  });
});

test('agent usage: `shoal agent --help` lists every flag the command takes', () => {
  for (const flag of Object.keys(AGENT_OPTIONS)) assert.match(AGENT_USAGE, new RegExp(`^\\s+(--[a-z-]+[^,]*\\s)*--${flag}\\b`, 'm'), `--${flag} is not described`);
});

test('agent usage: every optional option that takes a value is described with its default, --dev too', () => {
  const synopsis = AGENT_USAGE.split('\n\n')[0]!;
  const optional = [...synopsis.matchAll(/\[--([a-z][a-z-]*)[ =][^\]]*\]/g)].map((m) => m[1]!);
  assert.ok(optional.length >= 8);
  for (const name of [...optional, 'dev']) {
    const lines = AGENT_USAGE.split('\n');
    const start = lines.findIndex((line) => new RegExp(`^\\s+(--[a-z-]+[^,]*\\s)*--${name}\\b`).test(line));
    assert.ok(start >= 0, `--${name} is not described`);
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((line) => line.trim() === '' || /^\s{1,4}--/.test(line));
    const text = [lines[start]!, ...rest.slice(0, end < 0 ? rest.length : end)].join('\n');
    assert.match(text, /default/i, `--${name} does not say its default`);
  }
});

type AgentProcess = ShoalProcess;

function agent(args: string[]): AgentProcess {
  return spawnShoal(['agent', ...args], { waitMs: WAIT_MS });
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

function consulAt(http: unknown): Consul {
  const [host, port] = String(http).split(':');
  return new Consul({ host: host!, port: Number(port) });
}

test('`shoal agent` with bad arguments prints one line and exits 2', { timeout: 60_000 }, async () => {
  const p = agent(['--name', 'x', '--data-dir', '/tmp/none', '--bootstrap-expect', '3']);
  assert.equal(await exitWithin(p, 30_000), 2);
  assert.equal(p.stderr(), 'shoal agent: --bootstrap-expect needs --server\n');
});

interface Item {
  Key: string;
  Value: string;
  ModifyIndex: number;
  Session?: string;
}

/** Consul's leader election with the client's calls: acquire the key with a session; while another holds it, block on the key until it is free. */
async function contend(consul: Consul, key: string, name: string): Promise<{ session: string; release(): Promise<void> }> {
  const { ID: session } = (await consul.session.create({ name, ttl: '10s', lockdelay: '0s' })) as { ID: string };
  let index: number | undefined;
  while (true) {
    if (await consul.kv.set({ key, value: name, acquire: session })) {
      return { session, release: async () => void (await consul.kv.set({ key, value: name, release: session })) };
    }
    const current = (await consul.kv.get({ key, ...(index === undefined ? {} : { index, wait: '5s' }) })) as Item;
    index = current.ModifyIndex;
  }
}

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

test('three `shoal agent --server --bootstrap-expect 3` processes and a client agent serve the consul client from a follower and from the client agent, and exit 0 on SIGTERM', { timeout: 90_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-agent-cli-'));
  const tls = await raftTlsFlags(root, ['n1', 'n2', 'n3']);
  const key = Buffer.alloc(32, 9).toString('base64');
  const common = (name: string): string[] => [
    '--name', name, '--data-dir', join(root, name), '--key', key,
    '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0', '--profile', 'local', '--log-level', 'warn',
  ];
  const server = (name: string, seeds: string[] = []): AgentProcess =>
    agent([...common(name), '--server', '--bootstrap-expect', '3', ...tls.get(name)!, '--raft-bind', '127.0.0.1:0', ...(seeds.length > 0 ? ['--join', seeds.join(',')] : [])]);
  const procs: AgentProcess[] = [];
  const clients: Consul[] = [];
  try {
    const first = server('n1');
    procs.push(first);
    const ready = await first.until((e) => e.event === 'ready', 'n1 ready');
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
    const seed = [String(ready.gossip)];
    const c1 = agent([...common('c1'), '--join', seed[0]!]);
    procs.push(server('n2', seed), server('n3', seed), c1);
    const servers = procs.filter((p) => p !== c1);
    const readies = await Promise.all(procs.map((p) => p.until((e) => e.event === 'ready', 'ready')));
    assert.equal(readies[3]!.role, 'client');
    assert.equal(readies[3]!.raft, undefined);

    // Bootstrap by gossip: one configuration of all three, the same leader everywhere.
    for (const p of servers) await p.until((e) => e.event === 'leader' && e.leader !== null, 'a leader');
    const latestLeader = (p: AgentProcess): Record<string, unknown> | undefined => p.events.filter((e) => e.event === 'leader').at(-1);
    const leader = await waitFor('agreement on a leader', async () => {
      const seen = new Set(servers.map((p) => latestLeader(p)?.leader));
      return seen.size === 1 && !seen.has(null) && latestLeader(servers[0]!);
    });
    for (const p of servers) for (const b of p.events.filter((e) => e.event === 'bootstrapped')) assert.deepEqual(b.servers, ['n1', 'n2', 'n3']);
    assert.ok(servers.some((p) => p.events.some((e) => e.event === 'bootstrapped')), 'some server bootstrapped');

    const followerIndex = servers.findIndex((p) => readies[procs.indexOf(p)]!.name !== leader.leader);
    const follower = consulAt(readies[followerIndex]!.http);
    const viaClient = consulAt(readies[3]!.http);
    clients.push(follower, viaClient);
    // The leader registers every agent in the catalog, serfHealth passing; sessions need it.
    const names = ['n1', 'n2', 'n3', 'c1'];
    await waitFor('every agent registered and healthy', async () => {
      for (const name of names) {
        const checks = (await follower.health.node(name)) as { CheckID: string; Status: string }[];
        if (!checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'passing')) return false;
      }
      return true;
    });

    // KV: written through one agent, read through the other; cas.
    assert.equal(await viaClient.kv.set('e2e/a', 'one'), true);
    const a = (await follower.kv.get('e2e/a')) as Item;
    assert.equal(a.Value, 'one');
    assert.ok(!(await follower.kv.set({ key: 'e2e/a', value: 'stale', cas: a.ModifyIndex - 1 })));
    assert.equal(await viaClient.kv.set({ key: 'e2e/a', value: 'two', cas: a.ModifyIndex }), true);
    assert.equal(((await follower.kv.get('e2e/a')) as Item).Value, 'two');

    // Raft's configuration through the client agent (answered by a server): three voters, one the leader.
    type RaftConfig = { Servers: { Node: string; Leader: boolean; Voter: boolean; Address: string }[] };
    // The answering server may not yet know every server's gossip tags (their node names), or the leader's address.
    const raftConfig = await waitFor('raft configuration with three named servers and a leader', async () => {
      const config = (await (await fetch(`http://${String(readies[3]!.http)}/v1/operator/raft/configuration`)).json()) as RaftConfig;
      return config.Servers.filter((s) => s.Leader).length === 1 && config.Servers.every((s) => /^n\d$/.test(s.Node)) && config;
    });
    assert.deepEqual(raftConfig.Servers.map((s) => s.Node).sort(), ['n1', 'n2', 'n3']);
    assert.deepEqual(raftConfig.Servers.filter((s) => s.Leader).map((s) => s.Node), [leader.leader]);
    assert.ok(raftConfig.Servers.every((s) => s.Voter && /:\d+$/.test(s.Address)));
    // Requests are timed as Consul's consul.api.http on the server that answered, at /metrics.
    assert.match(await (await fetch(`http://${String(readies[followerIndex]!.http)}/metrics`)).text(), /^consul_api_http_count\{method="PUT",path="v1_kv_"\} [1-9]/m);

    // A transaction, all or nothing.
    const txn = (consul: Consul, operations: object[]): Promise<unknown> => consul.transaction.create(operations as never);
    const ok = (await txn(follower, [
      { KV: { Verb: 'set', Key: 'e2e/txn/x', Value: Buffer.from('x').toString('base64') } },
      { KV: { Verb: 'get', Key: 'e2e/txn/x' } },
    ])) as { Results: { KV: Item }[] };
    assert.equal(Buffer.from(ok.Results[1]!.KV.Value, 'base64').toString(), 'x');
    await assert.rejects(
      txn(viaClient, [
        { KV: { Verb: 'set', Key: 'e2e/txn/y', Value: '' } },
        { KV: { Verb: 'check-not-exists', Key: 'e2e/txn/x' } },
      ]),
      (error: { statusCode?: number }) => error.statusCode === 409,
    );
    assert.equal(await follower.kv.get('e2e/txn/y'), undefined);

    // Sessions and the lock recipe, one contender on the follower and one on the client agent.
    const lockKey = 'e2e/service/leader';
    const alpha = await contend(follower, lockKey, 'alpha');
    const order = ['alpha leads'];
    const beta = contend(viaClient, lockKey, 'beta').then((lock) => (order.push('beta leads'), lock));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(order, ['alpha leads'], 'beta waits while alpha holds the lock');
    const betaSession = ((await viaClient.session.node('c1')) as { ID: string; Name: string }[]).find((s) => s.Name === 'beta');
    assert.ok(betaSession, 'a session made through the client agent belongs to its node');
    assert.equal(((await viaClient.session.renew(betaSession.ID)) as { ID: string }[])[0]!.ID, betaSession.ID, 'renewed through a server on the leader');
    order.push('alpha releases');
    await alpha.release();
    const betaLock = await beta;
    assert.deepEqual(order, ['alpha leads', 'alpha releases', 'beta leads']);
    assert.equal(((await follower.kv.get(lockKey)) as Item).Session, betaLock.session);
    await betaLock.release();

    // A blocking query through the client agent returns when another agent writes.
    await follower.kv.set('e2e/watched', 'v0');
    const seen: string[] = [];
    const watch = viaClient.watch({ method: viaClient.kv.get, options: { key: 'e2e/watched', wait: '10s' } });
    const watched = new Promise<void>((resolve, reject) => {
      watch.on('change', (data: Item | undefined) => {
        if (data) seen.push(data.Value);
        if (seen.includes('v1')) resolve();
      });
      watch.on('error', reject);
    });
    await waitFor('the watch to start', async () => seen.includes('v0'));
    await follower.kv.set('e2e/watched', 'v1');
    await watched;
    watch.end();
    assert.deepEqual(seen, ['v0', 'v1']);

    // A service with a TTL check on the client agent; its health as a server sees it.
    await viaClient.agent.service.register({ name: 'billing', id: 'billing-1', port: 9000, check: { ttl: '30s' } as never });
    const passingIds = async (): Promise<string[]> => ((await follower.health.service({ service: 'billing', passing: true })) as { Node: { Node: string }; Service: { ID: string } }[]).map((h) => `${h.Node.Node}/${h.Service.ID}`);
    assert.deepEqual(await passingIds(), [], 'a TTL check starts critical');
    await viaClient.agent.check.pass('service:billing-1');
    assert.deepEqual(await passingIds(), ['c1/billing-1']);
    await viaClient.agent.check.fail('service:billing-1');
    assert.deepEqual(await passingIds(), []);

    // Raft and gossip as the agents see them.
    const raftAddresses = readies.slice(0, 3).map((r) => String(r.raft)).sort();
    for (const consul of [follower, viaClient]) {
      assert.equal(await consul.status.leader(), leader.addr);
      assert.deepEqual(((await consul.status.peers()) as string[]).sort(), raftAddresses);
    }
    const members = (await viaClient.agent.members()) as { Name: string; Status: number; Tags: Record<string, string> }[];
    assert.deepEqual(members.map((m) => [m.Name, m.Status, m.Tags.role]).sort(), [['c1', 1, 'node'], ['n1', 1, 'consul'], ['n2', 1, 'consul'], ['n3', 1, 'consul']]);

    for (const p of procs) p.child.kill('SIGTERM');
    const codes = await Promise.all(procs.map((p) => exitWithin(p, 30_000)));
    assert.deepEqual(codes, [0, 0, 0, 0], procs.map((p) => p.stderr()).join('\n'));
    for (const p of procs) assert.match(p.stderr(), /SIGTERM: leaving the cluster/);
  } finally {
    for (const consul of clients) consul.destroy();
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('`shoal agent --dev` serves the consul client from memory, its metrics too, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
  const p = agent(['--dev', '--name', 'laptop', '--http', '127.0.0.1:0', '--log-level', 'warn']);
  try {
    const ready = await p.until((e) => e.event === 'ready', 'ready');
    assert.deepEqual({ ...ready, http: undefined }, { event: 'ready', name: 'laptop', role: 'server', mode: 'dev', datacenter: 'dc1', http: undefined });
    const consul = consulAt(ready.http);
    try {
      assert.equal(await consul.kv.set('dev/a', 'one'), true);
      assert.equal(((await consul.kv.get('dev/a')) as Item).Value, 'one');
      const { ID } = (await consul.session.create({ name: 'dev' })) as { ID: string };
      assert.equal(((await consul.session.node('laptop')) as { ID: string }[])[0]!.ID, ID);
    } finally {
      consul.destroy();
    }
    const metrics = await fetch(`http://${String(ready.http)}/v1/agent/metrics?format=prometheus`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# HELP /m);
    p.child.kill('SIGTERM');
    assert.equal(await exitWithin(p, 30_000), 0, p.stderr());
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
});
