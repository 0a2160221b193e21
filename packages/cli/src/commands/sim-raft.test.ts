import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { main } from '../main.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../testing/capture-io.js';

const RUN = new URL('../run.ts', import.meta.url).pathname;

function shoal(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    });
  });
}

const KEYS = ['seed', 'trace_hash', 'ops_ok', 'ops_failed', 'ops_unknown', 'elections', 'linearizable', 'invariant_violations', 'torn_tails', 'segments_reused', 'wall_ms'];

test('shoal sim raft prints one JSON object per seed, replayable by seed', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-sim-raft-'));
  const history = join(dir, 'history.json');
  const first = await shoal(['sim', 'raft', '--nodes', '3', '--seed', '7', '--duration-ms', '1000', '--chaos', '--seeds', '2', '--history', history]);
  assert.equal(first.code, 0, first.err);
  const lines = first.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), KEYS);
    assert.equal(line.invariant_violations, 0);
    assert.match(String(line.trace_hash), /^[0-9a-f]{16}$/);
    assert.ok((line.ops_ok as number) > 0);
  }
  assert.deepEqual(lines.map((l) => l.seed), [7, 8]);
  const again = await shoal(['sim', 'raft', '--nodes', '3', '--seed', '8', '--duration-ms', '1000', '--chaos']);
  assert.equal((JSON.parse(again.out) as Record<string, unknown>).trace_hash, lines[1]!.trace_hash, 'seed 8 replays');
  const ops = JSON.parse(readFileSync(history, 'utf8')) as { client: number; op: string; call: number; return: number | null }[];
  assert.ok(ops.length > 0 && ops.every((o) => typeof o.client === 'number' && typeof o.call === 'number'));
});

test('shoal sim raft checks its arguments', async () => {
  for (const args of [['--nodes', '0'], ['--nodes', '10'], ['--seed', '-1'], ['--duration-ms', 'x'], ['extra']]) {
    const { code, err } = await shoal(['sim', 'raft', ...args]);
    assert.equal(code, 2, args.join(' '));
    assert.equal(err.trim().split('\n').length, 1, err);
  }
});

test('--nodes: the range the help states is the range accepted', { timeout: 60_000 }, async () => {
  const help = captureIo();
  assert.equal(await main(['sim', 'raft', '--help'], help.io), 0);
  const [, min, max] = /--nodes N +servers, (\d+) to (\d+) \(default 3\)/.exec(help.out) ?? [];
  assert.ok(min !== undefined && max !== undefined, help.out);
  for (const outside of [Number(min) - 1, Number(max) + 1]) {
    const c = captureIo();
    assert.equal(await main(['sim', 'raft', '--nodes', String(outside)], c.io), 2, String(outside));
    assert.equal(c.err, `shoal sim raft: --nodes must be an integer from ${min} to ${max}, got '${outside}'\n`);
  }
  for (const inside of [min, max]) {
    const c = captureIo();
    assert.equal(await main(['sim', 'raft', '--nodes', inside, '--duration-ms', '100'], c.io), 0, `${inside}: ${c.err}`);
    assert.equal(JSON.parse(c.out).invariant_violations, 0);
  }
  const negative = captureIo();
  assert.equal(await main(['sim', 'raft', '--nodes', '-3'], negative.io), 2);
  assert.equal(negative.err, `shoal sim raft: --nodes cannot be negative: it must be an integer from ${min} to ${max}, got '-3'\n`);
});

test('the built command stops on SIGTERM: the finished runs printed, a line saying what was cut short, exit 143', { timeout: 60_000 }, async () => {
  const bin = new URL('../../bin/shoal.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'sim', 'raft', '--duration-ms', '200', '--seeds', '1000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  try {
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const runs: Record<string, unknown>[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => runs.push(JSON.parse(line) as Record<string, unknown>));
    await once(lines, 'line');
    const sent = performance.now();
    child.kill('SIGTERM');
    // 'close', not 'exit': every line the child wrote has been read by then.
    const [code] = (await once(child, 'close')) as [number | null];
    const ms = performance.now() - sent;
    assert.equal(code, 143, err);
    assert.ok(ms < 10_000, `exited ${ms} ms after SIGTERM`);
    const finished = runs.length;
    assert.ok(finished >= 1);
    assert.deepEqual(runs.map((r) => r.seed), runs.map((_, i) => 1 + i));
    assert.match(err, new RegExp(`^shoal sim raft: stopped by SIGTERM after ${finished} of 1000000 runs \\(seeds 1 to ${finished}\\); the run of seed ${finished + 1} was cut short after \\d+ ms\n$`));
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});
