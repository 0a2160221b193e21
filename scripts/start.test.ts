import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const START = new URL('./start.mjs', import.meta.url).pathname;

test('`npm start` says it is building before the build, then runs the demo', { timeout: 300_000 }, async () => {
  // --help makes the demo print its usage and stop, so only the banner, the (incremental) build and the hand-over run.
  const child = spawn(process.execPath, [START, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: string[] = [];
  child.stderr.on('data', (d: Buffer) => seen.push(`err:${d.toString()}`));
  child.stdout.on('data', (d: Buffer) => seen.push(`out:${d.toString()}`));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const all = seen.join('');
  assert.equal(code, 0, all);
  assert.match(seen[0]!, /^err:shoal: building the packages \(tsc -b; the first build takes a minute or two\)\.\.\.\n/, 'the first thing printed');
  const built = all.indexOf('shoal: built; starting the demo');
  assert.ok(built > 0, all);
  assert.ok(all.indexOf('usage: shoal demo') > built, 'the demo runs after the build');
});
