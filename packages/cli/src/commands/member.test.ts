import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { parseMemberArgs } from './member.js';
import { main } from '../main.js';
import { commands } from './index.js';
import { spawnShoal, type ShoalProcess } from '../testing/shoal-process.js';


test('bad arguments are usage errors', () => {
  const bad = [
    [],
    ['--name', 'a'],
    ['--name', 'a', '--bind', 'nope'],
    ['--name', 'a', '--bind', '127.0.0.1:99999'],
    ['--name', 'a', '--bind', '127.0.0.1:0', '--profile', 'moon'],
    ['--name', 'a', '--bind', '127.0.0.1:0', '--key', 'AAAA'],
    ['--name', 'a', '--bind', '127.0.0.1:0', '--key', '!!'],
    ['--name', 'a', '--bind', '127.0.0.1:0', 'extra'],
    ['--name', 'a', '--bind', '127.0.0.1:0', '--label', 'x'.repeat(256)],
  ];
  for (const args of bad) assert.throws(() => parseMemberArgs(args), (e: Error & { code?: string }) => e.code === 'ERR_USAGE', args.join(' '));
  const ok = parseMemberArgs(['--name', 'a', '--bind', '[::1]:7946', '--join', '1.2.3.4:1,5.6.7.8:2', '--key', Buffer.alloc(32).toString('base64')]);
  assert.deepEqual(ok.bind, { host: '::1', port: 7946 });
  assert.deepEqual(ok.join, ['1.2.3.4:1', '5.6.7.8:2']);
  assert.equal(ok.key?.length, 32);
});

type Proc = ShoalProcess;

/** Runs `shoal member` from source, or the built bin (`npm run build` first) with `built`. */
function member(args: string[], { built = false } = {}): Proc {
  return spawnShoal(['member', '--profile', 'local', ...args], { built });
}

test('two `shoal member` processes: own join first, see each other, SIGTERM leaves gracefully (exit 0), SIGINT exits 130', { timeout: 60_000 }, async () => {
  const a = member(['--name', 'alpha', '--bind', '127.0.0.1:0', '--meta', 'role=seed']);
  try {
    const self = await a.until((e) => e.event === 'join', 'alpha starts');
    assert.equal(a.events[0], self, 'the first line is its own join');
    assert.equal(self.node, 'alpha');
    assert.equal(self.meta, 'role=seed');
    assert.ok(typeof self.t === 'number' && self.t > 1_600_000_000_000);
    const b = member(['--name', 'beta', '--bind', '127.0.0.1:0', '--join', String(self.addr)]);
    try {
      await b.until((e) => e.event === 'join' && e.node === 'alpha', 'beta sees alpha');
      await a.until((e) => e.event === 'join' && e.node === 'beta', 'alpha sees beta');
      b.child.kill('SIGTERM');
      assert.equal(await b.exit, 0);
      await a.until((e) => e.event === 'leave' && e.node === 'beta' && e.reason === 'left', 'alpha sees beta leave, reason left');
    } finally {
      b.child.kill('SIGKILL');
    }
    a.child.kill('SIGINT');
    assert.equal(await a.exit, 130);
  } finally {
    a.child.kill('SIGKILL');
  }
});

test('a join to nobody fails with a clear line and exit 1', { timeout: 30_000 }, async () => {
  const p = member(['--name', 'lonely', '--bind', '127.0.0.1:0', '--join', '127.0.0.1:1']);
  let stderr = '';
  p.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  assert.equal(await p.exit, 1);
  assert.match(stderr, /join failed/);
});

/** Sends SIGINT and resolves with the exit code and how long the exit took (Infinity if not within `limitMs`). */
async function interrupt(p: Proc, limitMs: number): Promise<{ code: number | null; ms: number }> {
  const sent = performance.now();
  p.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limitMs)));
  const code = await Promise.race([p.exit, late]);
  clearTimeout(timer);
  return { code, ms: code === null && p.child.exitCode === null ? Number.POSITIVE_INFINITY : performance.now() - sent };
}

test('the built `shoal member` exits 130 within 3 s of SIGINT, running or still joining', { timeout: 60_000 }, async () => {
  const running = member(['--name', 'solo', '--bind', '127.0.0.1:0'], { built: true });
  try {
    await running.until((e) => e.event === 'join', 'solo starts');
    const { code, ms } = await interrupt(running, 3_000);
    assert.ok(ms < 3_000, `exited ${ms} ms after SIGINT`);
    assert.equal(code, 130);
  } finally {
    running.child.kill('SIGKILL');
  }

  // A peer that accepts the connection and never answers: the join waits on it until the signal.
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const joining = member(['--name', 'patient', '--bind', '127.0.0.1:0', '--join', `127.0.0.1:${(silent.address() as AddressInfo).port}`], { built: true });
  let stderr = '';
  joining.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await joining.until((e) => e.event === 'join', 'patient starts');
    const { code, ms } = await interrupt(joining, 3_000);
    assert.ok(ms < 3_000, `exited ${ms} ms after SIGINT`);
    assert.equal(code, 130, stderr);
    assert.equal(stderr, '');
    assert.ok(!joining.events.some((e) => e.event === 'joined'), 'the join was still waiting');
  } finally {
    joining.child.kill('SIGKILL');
    silent.close();
  }
});

/** Runs `shoal <args>` in process, as the members client is a plain request. */
async function shoalInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t), signal: new AbortController().signal }, commands);
  return { code, out, err };
}

/** Waits until `read()` matches `pattern` (a log line on stderr), or fails after 20 s showing what was read. */
async function eventually(read: () => string, pattern: RegExp, what: string): Promise<void> {
  for (const started = Date.now(); !pattern.test(read()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > 20_000) assert.fail(`no ${what} (${pattern}) in:\n${read()}`);
  }
}

test('operating a node: --log-level debug logs, --http members and metrics, `shoal members`, leave reasons', { timeout: 60_000 }, async () => {
  const a = member(['--name', 'alpha', '--bind', '127.0.0.1:0', '--meta', 'role=seed', '--http', '127.0.0.1:0', '--log-level', 'debug']);
  let stderr = '';
  a.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const others: Proc[] = [];
  let http = '';
  try {
    const self = await a.until((e) => e.event === 'join', 'alpha starts');
    http = String((await a.until((e) => e.event === 'http', 'alpha serves HTTP')).addr);
    others.push(member(['--name', 'beta', '--bind', '127.0.0.1:0', '--join', String(self.addr)]));
    others.push(member(['--name', 'gamma', '--bind', '127.0.0.1:0', '--join', String(self.addr), '--meta', 'zone=b']));
    for (const name of ['beta', 'gamma']) await a.until((e) => e.event === 'join' && e.node === name, `alpha sees ${name}`);

    const listed = await shoalInProcess(['members', '--http', http]);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^NAME +ADDRESS +STATE +INC +META$/m);
    assert.match(listed.out, /^alpha +127\.0\.0\.1:\d+ +alive +1 +role=seed$/m);
    assert.match(listed.out, /^gamma +127\.0\.0\.1:\d+ +alive +1 +zone=b$/m);
    const json = JSON.parse((await shoalInProcess(['members', '--http', http, '--json'])).out) as Record<string, unknown>[];
    assert.deepEqual(json.find((m) => m.name === 'alpha'), { name: 'alpha', address: self.addr, state: 'alive', incarnation: 1, meta: 'role=seed' });
    assert.equal(json.length, 3);

    // A packet that is not memberlist's is refused, and the refusal is logged.
    const udp = createSocket('udp4').unref();
    const [, port] = String(self.addr).split(':');
    udp.send(Buffer.from([200, 1, 2, 3]), Number(port), '127.0.0.1', () => udp.close());
    await eventually(() => stderr, /"level":"warn".*"msg":"memberlist: (dropped a packet|bad message in packet)"/, 'refused-packet warning');
    await eventually(() => stderr, /"level":"debug".*"local":"alpha".*"node":"beta".*"msg":"memberlist: node joined"/, 'join debug line');

    // Gone members stay listed, with the state they went in, until reaped (gossipToTheDeadTime, 15 s here).
    const stateOf = async (name: string): Promise<string | undefined> =>
      (JSON.parse((await shoalInProcess(['members', '--http', http, '--json'])).out) as { name: string; state: string }[]).find((m) => m.name === name)?.state;
    // gamma crashes while beta can still confirm the suspicion (alone, alpha would wait out the longest suspicion timeout).
    others[1]!.child.kill('SIGKILL');
    await a.until((e) => e.event === 'leave' && e.node === 'gamma' && e.reason === 'dead', 'gamma crashes: reason dead');
    assert.equal(await stateOf('gamma'), 'dead');
    assert.match(stderr, /"node":"gamma".*"msg":"memberlist: suspect node has failed, no acks received"/);
    others[0]!.child.kill('SIGTERM');
    await a.until((e) => e.event === 'leave' && e.node === 'beta' && e.reason === 'left', 'beta leaves: reason left');
    assert.equal(await stateOf('beta'), 'left');

    const metrics = await fetch(`http://${http}/metrics`);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(text, /^# TYPE memberlist_msg_alive counter$/m);
    assert.match(text, /^# TYPE memberlist_health_score gauge$/m);
    assert.match(text, /^# TYPE memberlist_probeNode histogram$/m);
    assert.match(text, /^memberlist_probeNode_count [1-9]/m);
    assert.match(text, /^memberlist_msg_dead [1-9]/m);
    assert.equal((await fetch(`http://${http}/metrics`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`http://${http}/nope`)).status, 404);
  } finally {
    for (const p of others) p.child.kill('SIGKILL');
    a.child.kill('SIGTERM');
  }
  assert.equal(await a.exit, 0);
  // alpha has shut its HTTP server: nobody listens there any more.
  const refused = await shoalInProcess(['members', '--http', http]);
  assert.equal(refused.code, 1);
  assert.equal(refused.err, `shoal members: http://${http}/v1/agent/members: connect ECONNREFUSED ${http}\n`);
});
