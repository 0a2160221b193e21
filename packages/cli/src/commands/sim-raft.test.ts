import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

const KEYS = ['seed', 'trace_hash', 'ops_ok', 'ops_failed', 'ops_unknown', 'elections', 'linearizable', 'invariant_violations', 'wall_ms'];

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
