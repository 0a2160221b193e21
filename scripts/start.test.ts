import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const START = new URL('./start.mjs', import.meta.url).pathname;

test('`npm start` says it is building before the build starts', { timeout: 60_000 }, async () => {
  // Its own process group, so that the build it starts is stopped with it once the first line is in.
  const child = spawn(process.execPath, [START], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const first = await new Promise<string>((resolve) => {
      child.stderr.once('data', (d: Buffer) => resolve(`stderr:${d.toString()}`));
      child.stdout.once('data', (d: Buffer) => resolve(`stdout:${d.toString()}`));
    });
    assert.match(first, /^stderr:shoal: building the packages \(tsc -b; the first build takes a minute or two\)\.\.\.\n/);
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
});

test('`npm start` runs three agent servers with the dashboard, prints its URL, a curl and a Consul-client line, and stops on Ctrl-C', { timeout: 150_000 }, async () => {
  const child = spawn(process.execPath, [START], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const deadline = Date.now() + 120_000;
    while (!/Dashboard: (http:\S+)/.test(out)) {
      assert.ok(Date.now() < deadline, `no dashboard line within 120 s; stdout ${out}; stderr ${err.slice(-2000)}`);
      assert.equal(child.exitCode, null, `npm start exited: ${err.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const url = /Dashboard: (http:\S+)/.exec(out)![1]!;
    const base = url.replace(/\/ui\/$/, '');
    assert.match(out, /curl -X PUT -d world http:\S+\/v1\/kv\/hello/);
    assert.match(out, /require\('consul'\)/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /dashboard\.js/);
    const members = (await (await fetch(`${base}/v1/agent/members`)).json()) as { Name: string; Status: number }[];
    assert.deepEqual(members.map((m) => [m.Name, m.Status]).sort(), [['s1', 1], ['s2', 1], ['s3', 1]]);
    assert.equal(await (await fetch(`${base}/v1/kv/hello`, { method: 'PUT', body: 'world' })).text(), 'true');
    assert.equal(await (await fetch(`${base}/v1/kv/hello?raw`)).text(), 'world');
    // Ctrl-C: the terminal sends SIGINT to the whole foreground group.
    process.kill(-child.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
    assert.equal(code, 130, `exit after Ctrl-C; stderr ${err.slice(-2000)}`);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
});
