import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.js';
import { type Command, UsageError } from './command.js';
import { intOption } from './args.js';
import { captureIo } from './testing/capture-io.js';

const fake: Command[] = [
  { name: 'sim raft', summary: 'simulate raft', usage: 'shoal sim raft --nodes N', run: async (args) => (intOption('nodes', args[1], 3, 1) > 0 ? 0 : 1) },
  { name: 'sim memberlist', summary: 'simulate memberlist', usage: 'shoal sim memberlist', run: async () => { throw new UsageError('bad\nsecond line'); } },
];

test('--help lists every command', async () => {
  const c = captureIo();
  assert.equal(await main(['--help'], c.io, fake), 0);
  assert.match(c.out, /sim raft\s+simulate raft/);
  assert.match(c.out, /sim memberlist\s+simulate memberlist/);
});

test('multi-word commands dispatch with the rest of argv', async () => {
  const c = captureIo();
  assert.equal(await main(['sim', 'raft', '--nodes', '5'], c.io, fake), 0);
});

test('bad arguments print one line and exit 2', async () => {
  for (const argv of [['sim', 'raft', '--nodes', 'x'], ['sim', 'memberlist'], ['nope'], ['sim']]) {
    const c = captureIo();
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

test('`shoal <group> --help` lists the group; a command that heads a group names the related ones', async () => {
  const { commands } = await import('./commands/index.js');
  const sim = captureIo();
  assert.equal(await main(['sim', '--help'], sim.io, commands), 0);
  assert.match(sim.out, /^usage: shoal sim <command> \[options\]\n/);
  assert.match(sim.out, /^ {2}sim memberlist +run a memberlist cluster/m);
  assert.match(sim.out, /^ {2}sim raft +run a raft cluster/m);
  const tls = captureIo();
  assert.equal(await main(['tls', '-h'], tls.io, commands), 0);
  assert.match(tls.out, /tls ca .*\n.*tls cert /);
  const raft = captureIo();
  assert.equal(await main(['raft', '--help'], raft.io, commands), 0);
  assert.match(raft.out, /^usage: shoal raft --id ID/);
  assert.match(raft.out, /related commands:\n {2}raft log +dump a raft data directory/);
  const bare = captureIo();
  assert.equal(await main(['sim'], bare.io, commands), 2);
  assert.match(bare.err, /see `shoal sim --help`/);
});

test('an unknown option, a missing value or a value for a flag: one line naming it, with the usage line', async () => {
  const { commands } = await import('./commands/index.js');
  const cases: [string[], string][] = [
    [['sim', 'raft', '--nodez', '3'], "shoal sim raft: unknown option '--nodez'; usage: shoal sim raft [--nodes N] [--seed S]"],
    [['members', '--http'], 'shoal members: --http needs a value; usage: shoal members --http HOST:PORT [--json]'],
    [['sim', 'raft', '--chaos=yes'], 'shoal sim raft: --chaos takes no value; usage: shoal sim raft [--nodes N]'],
    [['demo', '-x'], "shoal demo: unknown option '-x'; usage: shoal demo [--nodes N] [--host IP]"],
  ];
  for (const [argv, start] of cases) {
    const c = captureIo();
    assert.equal(await main(argv, c.io, commands), 2, argv.join(' '));
    assert.ok(c.err.startsWith(start), `${argv.join(' ')}: ${c.err}`);
    assert.match(c.err, /\(`shoal [a-z ]+ --help` for more\)\n$/);
    assert.equal(c.err.split('\n').length, 2, 'one line');
    assert.doesNotMatch(c.err, /To specify a positional argument/, "not parseArgs' own advice");
  }
});
