// The operations commands (`shoal kv`, `shoal lock`, `shoal operator raft
// list-peers`, `shoal members --http-addr`) and /metrics, as processes
// against one `shoal agent --dev` (issue 16 item 5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { spawnShoal, type ShoalProcess } from '../testing/shoal-process.js';
import { agentBaseUrl } from '../consul-http.js';
import { parseLockArgs } from './lock.js';

const RUN = new URL('../run.ts', import.meta.url).pathname;
const STEP_MS = 60_000;
const TEST = { timeout: 300_000 };

let agent: ShoalProcess;
let addr: string;

before(async () => {
  agent = spawnShoal(['agent', '--dev', '--name', 'ops1', '--http', '127.0.0.1:0', '--log-level', 'warn'], { waitMs: STEP_MS });
  addr = (await agent.until((e) => e.event === 'ready', 'the dev agent ready')).http as string;
});

after(async () => {
  agent.child.kill('SIGTERM');
  await agent.exit;
});

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

interface Running {
  readonly child: ReturnType<typeof spawn>;
  readonly done: Promise<Run>;
  out(): string;
}

function start(args: string[], env: Record<string, string | undefined> = {}): Running {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', RUN, ...args], { stdio: 'pipe', env: { ...process.env, CONSUL_HTTP_ADDR: undefined, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`shoal ${args.join(' ')}: no exit within ${STEP_MS} ms; ${out} ${err}`))), STEP_MS);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, out, err })));
  });
  return { child, done, out: () => out };
}

const shoal = (args: string[], env?: Record<string, string | undefined>): Promise<Run> => start(args, env).done;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lockHolder(key: string): Promise<string | undefined> {
  const res = await fetch(`http://${addr}/v1/kv/${key}`);
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { Session?: string }[])[0]?.Session;
}

test('--http-addr: the flag, else CONSUL_HTTP_ADDR, else 127.0.0.1:8500', () => {
  assert.equal(agentBaseUrl(undefined, {}), 'http://127.0.0.1:8500');
  assert.equal(agentBaseUrl(undefined, { CONSUL_HTTP_ADDR: 'http://10.0.0.1:8501' }), 'http://10.0.0.1:8501');
  assert.equal(agentBaseUrl('[::1]:7500', { CONSUL_HTTP_ADDR: '10.0.0.1:8501' }), 'http://[::1]:7500');
  assert.throws(() => agentBaseUrl('nope', {}), /--http-addr must be HOST:PORT/);
  assert.deepEqual(parseLockArgs(['svc/', '--http-addr', '127.0.0.1:1', '--', 'echo', '--x']).command, ['echo', '--x']);
});

test('kv put, get, --recurse, --keys, --cas, --flags, delete: Consul\'s output and exit codes', TEST, async () => {
  const at = ['--http-addr', addr];
  assert.deepEqual(await shoal(['kv', 'put', ...at, 'app/config/a', 'hello world']), { code: 0, out: 'Success! Data written to: app/config/a\n', err: '' });
  assert.deepEqual(await shoal(['kv', 'get', 'app/config/a'], { CONSUL_HTTP_ADDR: addr }), { code: 0, out: 'hello world\n', err: '' });
  assert.deepEqual(await shoal(['kv', 'get', ...at, 'app/missing']), { code: 1, out: '', err: 'Error! No key exists at: app/missing\n' });
  const [b, flagged] = await Promise.all([shoal(['kv', 'put', ...at, 'app/config/b', '2']), shoal(['kv', 'put', ...at, '--flags', '42', 'app/top', 'x'])]);
  assert.equal(b.code, 0);
  assert.equal(flagged.code, 0);
  const pair = ((await (await fetch(`http://${addr}/v1/kv/app/top`)).json()) as { Flags: number; ModifyIndex: number }[])[0]!;
  assert.equal(pair.Flags, 42);
  const [recurse, keys] = await Promise.all([shoal(['kv', 'get', ...at, '--recurse', 'app/']), shoal(['kv', 'get', ...at, '--keys', 'app/'])]);
  assert.deepEqual(recurse, { code: 0, out: 'app/config/a:hello world\napp/config/b:2\napp/top:x\n', err: '' });
  assert.deepEqual(keys, { code: 0, out: 'app/config/\napp/top\n', err: '' });
  const [casBad, casNew] = await Promise.all([
    shoal(['kv', 'put', ...at, '--cas', String(pair.ModifyIndex + 1000), 'app/top', 'y']),
    shoal(['kv', 'put', ...at, '--cas', '0', 'app/top', 'z']),
  ]);
  assert.deepEqual(casBad, { code: 1, out: '', err: 'Error! Did not write to app/top: CAS failed\n' });
  assert.equal(casNew.code, 1);
  assert.deepEqual(await shoal(['kv', 'put', ...at, '--cas', String(pair.ModifyIndex), 'app/top', 'y']), { code: 0, out: 'Success! Data written to: app/top\n', err: '' });
  assert.deepEqual(await shoal(['kv', 'delete', ...at, '--cas', '1', 'app/top']), { code: 1, out: '', err: 'Error! Did not delete key app/top: CAS failed\n' });
  assert.deepEqual(await shoal(['kv', 'delete', ...at, 'app/top']), { code: 0, out: 'Success! Deleted key: app/top\n', err: '' });
  assert.deepEqual(await shoal(['kv', 'delete', ...at, '--recurse', 'app/']), { code: 0, out: 'Success! Deleted keys with prefix: app/\n', err: '' });
  assert.deepEqual(await shoal(['kv', 'get', ...at, '--recurse', 'app/']), { code: 0, out: '', err: '' });
  const unreachable = await shoal(['kv', 'get', '--http-addr', '127.0.0.1:1', 'k']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /^Error! .*ECONNREFUSED/);
});

test('kv put --acquire takes a lock for a session, once', TEST, async () => {
  const session = ((await (await fetch(`http://${addr}/v1/session/create`, { method: 'PUT', body: '{}' })).json()) as { ID: string }).ID;
  assert.deepEqual(await shoal(['kv', 'put', '--http-addr', addr, '--acquire', session, 'locks/x', 'me']), { code: 0, out: 'Success! Lock acquired on: locks/x\n', err: '' });
  assert.equal(await lockHolder('locks/x'), session);
  const other = ((await (await fetch(`http://${addr}/v1/session/create`, { method: 'PUT', body: '{}' })).json()) as { ID: string }).ID;
  assert.deepEqual(await shoal(['kv', 'put', '--http-addr', addr, '--acquire', other, 'locks/x', 'you']), { code: 1, out: '', err: 'Error! Did not acquire lock\n' });
});

test('bad arguments: one line, exit 2', TEST, async () => {
  const bad = [
    ['kv', 'get'],
    ['kv', 'get', 'a', 'b'],
    ['kv', 'get', '--recurse', '--keys', 'a'],
    ['kv', 'put'],
    ['kv', 'put', '--cas', 'x', 'k', 'v'],
    ['kv', 'put', '--flags', '-1', 'k', 'v'],
    ['kv', 'delete', '--recurse', '--cas', '1', 'k'],
    ['kv', 'get', '--http-addr', 'nope', 'k'],
    ['lock', 'svc'],
    ['lock'],
    ['operator', 'raft', 'list-peers', 'extra'],
    ['members', '--http-addr', 'nope'],
    ['members', '--http', addr, '--http-addr', addr],
  ];
  const runs = await Promise.all(bad.map((args) => shoal(args)));
  runs.forEach((run, i) => {
    assert.equal(run.code, 2, `${bad[i]!.join(' ')}: ${run.err}`);
    assert.equal(run.err.split('\n').filter((l) => l !== '').length, 1, run.err);
    assert.equal(run.out, '');
  });
  const help = await Promise.all([['kv', 'get'], ['kv', 'put'], ['kv', 'delete'], ['lock'], ['operator', 'raft', 'list-peers']].map((c) => shoal([...c, '--help'])));
  for (const run of help) {
    assert.equal(run.code, 0);
    assert.match(run.out, /--http-addr HOST:PORT/);
  }
});

test('operator raft list-peers, members --http-addr, /metrics', TEST, async () => {
  const [peers, members, agentJson] = await Promise.all([
    shoal(['operator', 'raft', 'list-peers', '--http-addr', addr]),
    shoal(['members'], { CONSUL_HTTP_ADDR: addr }),
    shoal(['members', '--http-addr', addr, '--json']),
  ]);
  assert.equal(peers.code, 0, peers.err);
  const [header, row, ...rest] = peers.out.trimEnd().split('\n');
  assert.match(header!, /^Node\s+ID\s+Address\s+State\s+Voter\s+RaftProtocol$/);
  assert.match(row!, /^ops1\s+[0-9a-f-]{36}\s+\S+:\d+\s+leader\s+true\s+3$/);
  assert.deepEqual(rest, []);
  assert.equal(members.code, 0, members.err);
  assert.match(members.out, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\n/);
  assert.match(members.out, /\nops1\s+\S+:\d+\s+alive\s+server\s+\S+\s+\d+\s+dc1\n/);
  assert.equal((JSON.parse(agentJson.out) as { Name: string }[])[0]!.Name, 'ops1');
  const config = (await (await fetch(`http://${addr}/v1/operator/raft/configuration`)).json()) as { Servers: Record<string, unknown>[]; Index: number };
  assert.deepEqual(Object.keys(config.Servers[0]!).sort(), ['Address', 'ID', 'Leader', 'Node', 'ProtocolVersion', 'Voter']);
  assert.equal(config.Servers[0]!.Leader, true);
  const metrics = await fetch(`http://${addr}/metrics`);
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /^consul_api_http_count\{method="GET",path="v1_operator_raft_configuration"\} [1-9]/m);
  assert.match(text, /^consul_api_http_count\{method="PUT",path="v1_kv_"\} [1-9]/m);
  const v1 = await (await fetch(`http://${addr}/v1/agent/metrics?format=prometheus`)).text();
  assert.match(v1, /^consul_api_http_count\{method="GET",path="metrics"\} [1-9]/m);
});

test('lock: runs the command holding PREFIX/.lock, passes its exit code, releases; a second waits; SIGTERM forwards and releases', TEST, async () => {
  const at = ['--http-addr', addr];
  const quick = await shoal(['lock', ...at, 'jobs/a', '--', 'sh', '-c', 'echo holding; exit 3']);
  assert.deepEqual({ code: quick.code, out: quick.out }, { code: 3, out: 'holding\n' });
  assert.equal(await lockHolder('jobs/a/.lock'), undefined);

  const first = start(['lock', ...at, 'jobs/b', '--', 'sleep 60']);
  const holder = await eventually('the first lock holder', () => lockHolder('jobs/b/.lock'));
  const second = start(['lock', ...at, 'jobs/b', '--', 'echo second got it']);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(second.out(), '', 'the second ran while the first held the lock');
  assert.equal(await lockHolder('jobs/b/.lock'), holder);
  first.child.kill('SIGTERM');
  const firstRun = await first.done;
  assert.equal(firstRun.code, 143, firstRun.err);
  const secondRun = await second.done;
  assert.deepEqual({ code: secondRun.code, out: secondRun.out }, { code: 0, out: 'second got it\n' }, secondRun.err);
  assert.equal(await lockHolder('jobs/b/.lock'), undefined);
  const sessions = (await (await fetch(`http://${addr}/v1/session/list`)).json()) as { Name: string }[];
  assert.deepEqual(sessions.filter((s) => s.Name === 'shoal lock'), []);
});
