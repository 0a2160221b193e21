import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { main } from '../main.js';
import { commands } from './index.js';

async function shoal(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), signal: new AbortController().signal };
  const code = await main(args, io, commands);
  return { code, out, err };
}

const KEYS = ['nodes', 'seed', 'trace_hash', 'converged_at_ms', 'kill_detected_ms', 'false_positives', 'bytes_per_node_per_s', 'wall_ms'];

test('shoal sim memberlist prints one JSON object with the scenario figures, replayable by seed', { timeout: 120_000 }, async () => {
  const args = ['sim', 'memberlist', '--nodes', '12', '--seed', '3', '--duration-ms', '40000', '--kill', '1', '--loss', '0.05'];
  const first = await shoal(args);
  assert.equal(first.code, 0, first.err);
  const line = JSON.parse(first.out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(line).slice(0, KEYS.length), KEYS);
  assert.equal(line.nodes, 12);
  assert.equal(line.codec, 'bytes');
  assert.match(String(line.trace_hash), /^[0-9a-f]{16}$/);
  assert.equal(typeof line.converged_at_ms, 'number');
  assert.equal(typeof line.kill_detected_ms, 'number', 'the crash was detected by every survivor');
  assert.ok((line.kill_detected_ms as number) <= (line.detection_bound_ms as number));
  assert.ok((line.bytes_per_node_per_s as number) > 0);
  const again = JSON.parse((await shoal(args)).out) as Record<string, unknown>;
  assert.equal(again.trace_hash, line.trace_hash, 'same seed, same run');
  const other = JSON.parse((await shoal([...args.slice(0, 5), '4', ...args.slice(6)])).out) as Record<string, unknown>;
  assert.notEqual(other.trace_hash, line.trace_hash);
});

test('frames and warm start are selectable and reported', { timeout: 120_000 }, async () => {
  const r = await shoal(['sim', 'memberlist', '--nodes', '30', '--seed', '1', '--duration-ms', '5000', '--codec', 'frames', '--start', 'warm']);
  assert.equal(r.code, 0, r.err);
  const line = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(line.codec, 'frames');
  assert.equal(line.start, 'warm');
  assert.equal(line.converged_at_ms, 0, 'a warm cluster is converged from the start');
});

test('bad arguments: one line, exit 2', async () => {
  for (const args of [
    ['sim', 'memberlist', '--nodes', '0'],
    ['sim', 'memberlist', '--loss', '2'],
    ['sim', 'memberlist', '--profile', 'mars'],
    ['sim', 'memberlist', '--nodes', '3', '--kill', '3'],
    ['sim', 'memberlist', '--codec', 'json'],
    ['sim', 'memberlist', 'extra'],
  ]) {
    const r = await shoal(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
});

test('a negative value is named as such', async () => {
  const r = await shoal(['sim', 'memberlist', '--loss', '-0.5']);
  assert.equal(r.code, 2);
  assert.equal(r.err, "shoal sim memberlist: --loss cannot be negative: it must be a number from 0 to 1, got '-0.5'\n");
  const nodes = await shoal(['sim', 'memberlist', '--nodes', '-3']);
  assert.match(nodes.err, /^shoal sim memberlist: --nodes cannot be negative: it must be an integer from 1 to 100000, got '-3'\n$/);
});

test('the built command stops a long run on SIGTERM: exit 143, a line saying what was cut short', { timeout: 60_000 }, async () => {
  const bin = new URL('../../bin/shoal.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'sim', 'memberlist', '--nodes', '50', '--duration-ms', '3600000', '--progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const stderr: string[] = [];
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => stderr.push(line));
    // The first progress line: the run is under way (and the signal handlers are installed).
    await once(lines, 'line');
    const sent = performance.now();
    child.kill('SIGTERM');
    // 'close', not 'exit': every line the child wrote has been read by then.
    const [code] = (await once(child, 'close')) as [number | null];
    const ms = performance.now() - sent;
    assert.equal(code, 143, stderr.join('\n'));
    assert.ok(ms < 10_000, `exited ${ms} ms after SIGTERM`);
    assert.equal(out, '', 'no result for a run cut short');
    assert.match(stderr.at(-1)!, /^shoal sim memberlist: stopped by SIGTERM after \d+ ms; the run of 50 members, seed 1, for 3600000 virtual ms was cut short \(no result\)$/);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});
