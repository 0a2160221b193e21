import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { main } from '../main.js';
import { commands } from './index.js';
import { DEMO_LIMIT_MS, demoCommand } from './demo.js';

const RUN = new URL('../run.ts', import.meta.url).pathname;

function shoal(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), DEMO_LIMIT_MS + 30_000);
    child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out, err }); });
  });
}

test('piped, the demo crashes a node, shows real health scores, heals, and ends within its stated time', { timeout: 120_000 }, async () => {
  const started = performance.now();
  const { code, out, err } = await shoal(['demo']);
  const ms = performance.now() - started;
  assert.equal(code, 0, `${out}\n${err}`);
  const order = [
    'converged: every node sees 5 members',
    'crashing dogwood',
    'ash sees dogwood alive/1 -> suspect/1',
    '-> dead/1',
    'dogwood rejoined',
    'birch goes deaf',
    "birch's health score 0 -> ",
    'birch hears again',
    'demo finished',
  ];
  let at = 0;
  for (const marker of order) {
    const i = out.indexOf(marker, at);
    assert.ok(i >= 0, `missing (in order) '${marker}' in:\n${out}`);
    at = i;
  }
  assert.match(out, /ash sees dogwood dead\/1 -> alive\/[2-9]/, 'it comes back above the incarnation it was declared dead at');
  assert.match(out, /birch's health score [0-9] -> [2-7]\n/, 'the deaf node\'s own score reaches at least 2');
  assert.ok(ms < DEMO_LIMIT_MS, `took ${Math.round(ms)} ms; the help promises at most ${DEMO_LIMIT_MS}`);
  assert.match(demoCommand.usage, new RegExp(`never more than ${DEMO_LIMIT_MS / 1000} s`));
});

/** The demo on a terminal: util-linux `script` gives it a pseudo-terminal, as a shell would. */
function shoalOnTerminal(args: string[]): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, '--conditions=source', '--import', 'tsx', RUN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), DEMO_LIMIT_MS + 30_000);
    child.on('exit', (code) => { clearTimeout(killer); resolve({ code, out }); });
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

test(`on a terminal, the demo redraws its table with real health scores and ends within its stated time${hasScript ? '' : ' (skipped: util-linux script is not installed)'}`, { timeout: 120_000, skip: !hasScript }, async () => {
  const started = performance.now();
  const { code, out } = await shoalOnTerminal(['demo']);
  const ms = performance.now() - started;
  assert.equal(code, 0, out.slice(-2000));
  assert.ok(out.includes('\x1b[H\x1b[2J'), 'the table is redrawn in place');
  assert.match(out, /health/);
  assert.match(out, /\n {2}birch +\S+ +\S+ +\d+ +[2-7] /, "the deaf node's own score reaches at least 2 in the table");
  assert.ok(out.includes('demo finished'), out.slice(-2000));
  assert.ok(ms < DEMO_LIMIT_MS, `took ${Math.round(ms)} ms; the help promises at most ${DEMO_LIMIT_MS}`);
});

test('demo arguments are checked before any node starts', async () => {
  for (const args of [['demo', '--nodes', '1'], ['demo', '--nodes', '10'], ['demo', '--host', '10.0.0.1'], ['demo', 'x']]) {
    let out = '', err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), signal: new AbortController().signal };
    assert.equal(await main(args, io, commands), 2, args.join(' '));
    assert.equal(err.trim().split('\n').length, 1, err);
    assert.equal(out, '');
  }
});
