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
