import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.js';
import { type Command, UsageError } from './command.js';
import { intOption } from './args.js';

function capture() {
  let out = '', err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), signal: new AbortController().signal }, get out() { return out; }, get err() { return err; } };
}

const fake: Command[] = [
  { name: 'sim raft', summary: 'simulate raft', usage: 'shoal sim raft --nodes N', run: async (args) => (intOption('nodes', args[1], 3, 1) > 0 ? 0 : 1) },
  { name: 'sim memberlist', summary: 'simulate memberlist', usage: 'shoal sim memberlist', run: async () => { throw new UsageError('bad\nsecond line'); } },
];

test('--help lists every command', async () => {
  const c = capture();
  assert.equal(await main(['--help'], c.io, fake), 0);
  assert.match(c.out, /sim raft\s+simulate raft/);
  assert.match(c.out, /sim memberlist\s+simulate memberlist/);
});

test('multi-word commands dispatch with the rest of argv', async () => {
  const c = capture();
  assert.equal(await main(['sim', 'raft', '--nodes', '5'], c.io, fake), 0);
});

test('bad arguments print one line and exit 2', async () => {
  for (const argv of [['sim', 'raft', '--nodes', 'x'], ['sim', 'memberlist'], ['nope'], ['sim']]) {
    const c = capture();
    assert.equal(await main(argv, c.io, fake), 2, argv.join(' '));
    assert.equal(c.err.trim().split('\n').length, 1, c.err);
  }
});

test('the registered commands all have a name, summary and usage', async () => {
  const { commands } = await import('./commands/index.js');
  for (const command of commands) {
    assert.ok(command.name && command.summary && command.usage, command.name);
  }
  assert.equal(new Set(commands.map((c) => c.name)).size, commands.length);
});
