import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKvHistory, kvHistoryToJson } from '@shoal/sim';
import { main } from '../main.js';
import { DEFAULT_MAX_MEMORY_MB, lincheckCommand, MAX_HISTORY_BYTES } from './lincheck.js';
import { captureIo } from '../testing/capture-io.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const fixtures = join(repo, 'packages/sim/src/lincheck/fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'shoal-lincheck-'));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

test('exit 0 for every linearizable fixture', async () => {
  for (const name of readdirSync(join(fixtures, 'linearizable'))) {
    const c = captureIo();
    assert.equal(await lincheckCommand.run([join(fixtures, 'linearizable', name)], c.io), 0, name);
    assert.match(c.out, /^linearizable: \d+ operations? on \d+ keys? from \d+ clients? \(\d+ ms\)\n$/, name);
    assert.equal(c.err, '');
  }
});

test('exit 1 for every non-linearizable fixture, with the witness', async () => {
  for (const name of readdirSync(join(fixtures, 'not-linearizable'))) {
    const c = captureIo();
    assert.equal(await lincheckCommand.run(['--model', 'kv', join(fixtures, 'not-linearizable', name)], c.io), 1, name);
    assert.match(c.out, /^not linearizable: .*\nkey ".+": \d+ of its \d+ operations cannot be linearized/, name);
    assert.match(c.out, /<- not linearizable once this returned/, name);
  }
});

test('the witness names the stale read among thousands of operations', async () => {
  const { ops, injected } = generateKvHistory({ seed: 2, ops: 3000, clients: 10, keys: 30, violation: 'stale-read' });
  const c = captureIo();
  assert.equal(await lincheckCommand.run([file('stale.json', kvHistoryToJson(ops))], c.io), 1);
  assert.match(c.out, new RegExp(`^key "${injected!.key}": \\d of its \\d+ operations`, 'm'));
  assert.match(c.out, new RegExp(`op ${injected!.id} .*get\\("${injected!.key}"\\) -> "${injected!.staleValue}" +<- not linearizable once this returned`));
});

test('--json prints one object with the verdict and the witness', async () => {
  const c = captureIo();
  assert.equal(await lincheckCommand.run(['--json', join(fixtures, 'not-linearizable', 'stale-read.json')], c.io), 1);
  const lines = c.out.trim().split('\n');
  assert.equal(lines.length, 1);
  const result = JSON.parse(lines[0]!);
  assert.equal(result.linearizable, false);
  assert.deepEqual({ ...result, ms: 0, steps: 0 }, {
    linearizable: false,
    verdict: 'illegal',
    ops: 3,
    keys: 1,
    clients: 3,
    ms: 0,
    steps: 0,
    violating_keys: ['x'],
    undecided_keys: [],
    witness: { key: 'x', ops: [0, 1, 2], culprits: [2], running_at_cut: [], cut: 5, cut_is_earliest: true, minimal: true },
  });
});

test('exit 3 when the budget runs out or the check is interrupted', async () => {
  const path = file('big.json', kvHistoryToJson(generateKvHistory({ seed: 9, ops: 3000, clients: 10, keys: 3 }).ops));
  const c = captureIo();
  assert.equal(await lincheckCommand.run(['--max-steps', '100', path], c.io), 3);
  assert.match(c.out, /^undecided: the step budget \(--max-steps 100\) ran out with \d keys? unchecked: "k\d"/);

  const controller = new AbortController();
  controller.abort();
  const interrupted = captureIo(controller.signal);
  assert.equal(await lincheckCommand.run([path], interrupted.io), 3);
  assert.match(interrupted.out, /^undecided: interrupted/);

  const json = captureIo();
  assert.equal(await lincheckCommand.run(['--json', '--max-steps', '100', path], json.io), 3);
  assert.equal(JSON.parse(json.out).linearizable, null);
  assert.equal(JSON.parse(json.out).stopped, 'steps');
});

/** Issue 17's history: 60 puts each read back, and a read of a value nobody wrote, all overlapping on one key. */
function overlappingOnOneKey(pairs: number): string {
  const ops: object[] = [];
  for (let i = 0; i < pairs; i++) {
    ops.push({ client: 2 * i, op: 'put', key: 'x', value: `v${i}`, output: null, call: 0, return: 1000 });
    ops.push({ client: 2 * i + 1, op: 'get', key: 'x', output: `v${i}`, call: 0, return: 1000 });
  }
  ops.push({ client: 2 * pairs, op: 'get', key: 'x', output: 'never written', call: 0, return: 1000 });
  return JSON.stringify(ops);
}

test('121 overlapping operations: exit 3 naming the memory budget, or the time budget', async () => {
  const path = file('overlapping.json', overlappingOnOneKey(60));
  const memory = captureIo();
  assert.equal(await lincheckCommand.run(['--max-memory-mb', '8', path], memory.io), 3);
  assert.match(memory.out, /^undecided: the memory budget \(--max-memory-mb 8\) ran out with 1 key unchecked: "x"/);
  const time = captureIo();
  assert.equal(await lincheckCommand.run(['--json', '--timeout-ms', '300', '--max-memory-mb', '100000', path], time.io), 3);
  assert.deepEqual({ ...JSON.parse(time.out), ms: 0, steps: 0 }, {
    linearizable: null, verdict: 'unknown', ops: 121, keys: 1, clients: 121, ms: 0, steps: 0, violating_keys: [], undecided_keys: ['x'], stopped: 'time',
  });
});

test('--help states the default budgets and the size limit', async () => {
  const c = captureIo();
  assert.equal(await main(['lincheck', '--help'], c.io), 0);
  assert.match(c.out, /--timeout-ms N +give up after N ms \(default 60000\)/);
  assert.match(c.out, new RegExp(`\\(default ${DEFAULT_MAX_MEMORY_MB}\\)`));
  assert.match(c.out, /--max-steps N +give up after N search steps \(default: no limit\)/);
  assert.match(c.out, /at most 64 MiB/);
});

test('exit 2 with one line for bad arguments and bad input', async () => {
  const good = join(fixtures, 'linearizable', 'cas-race.json');
  const cases: [string[], RegExp][] = [
    [[], /missing FILE\.json/],
    [[good, good], /expected one FILE, got 2/],
    [['--model', 'queue', good], /unknown model 'queue'/],
    [['--timeout-ms', 'soon', good], /--timeout-ms must be an integer/],
    [['--max-steps', '0', good], /--max-steps must be an integer of at least 1, got '0'/],
    [['--timeout-ms', '-5', good], /--timeout-ms cannot be negative: it must be an integer of at least 1, got '-5'/],
    [['--max-memory-mb=-1', good], /--max-memory-mb cannot be negative/],
    [[file('overflow.json', '[{"client":0,"op":"get","key":"k","output":null,"call":1e400,"return":null}]')], /operation 0: "call" is too large: the number overflows to Infinity/],
    [[scratch], /cannot read .*: EISDIR/],
    [['--bogus', good], /unknown option '--bogus'; usage: shoal lincheck \[--model kv\]/],
    [[join(scratch, 'absent.json')], /cannot read .*absent\.json: ENOENT/],
    [[file('bad.json', '[{"client":0,')], /bad\.json: not valid JSON at line 1, column 14: property name expected\n$/],
    [[file('bad-token.json', `[{"client":0,"op":"get","key":"${'k'.repeat(80)}",\n  "call":1, x}]`)], /bad-token\.json: not valid JSON at line 2, column 13: invalid symbol\n$/],
    [[file('obj.json', '{}')], /obj\.json: the history must be a JSON array/],
    [[file('order.json', '[{"client":0,"op":"get","key":"k","output":null,"call":5,"return":4}]')], /operation 0: "return" \(4\) is before "call" \(5\)/],
    [[file('op.json', '[{"client":0,"op":"del","key":"k","output":null,"call":1,"return":4}]')], /operation 0: "op" must be/],
    [[file('types.json', '[{"client":"a","op":"get","key":"k","output":null,"call":1,"return":4}]')], /operation 0: "client" must be an integer/],
    [[file('missing.json', '[{"client":0,"op":"get","key":"k","call":1,"return":4}]')], /operation 0: missing field "output"/],
  ];
  for (const [args, message] of cases) {
    const c = captureIo();
    assert.equal(await main(['lincheck', ...args], c.io), 2, args.join(' '));
    assert.equal(c.out, '');
    assert.match(c.err, /^shoal lincheck: [^\n]+\n$/, args.join(' '));
    assert.match(c.err, message, args.join(' '));
  }
});

test('end to end: the command run as a process exits 1 on a violation and 2 on bad input', () => {
  const script = [
    "import { main } from './packages/cli/src/main.ts';",
    'const io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), signal: new AbortController().signal };',
    'process.exitCode = await main(process.argv.slice(1), io);',
  ].join('\n');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script, 'lincheck', ...args], { cwd: repo, encoding: 'utf8' });
  const violation = run(join(fixtures, 'not-linearizable', 'lost-update-cas.json'));
  assert.equal(violation.status, 1, violation.stderr);
  assert.match(violation.stdout, /cas\("x", "0" -> "2"\) -> true +<- not linearizable once this returned/);
  const bad = run(file('e2e-bad.json', 'nope'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^shoal lincheck: .*e2e-bad\.json: not valid JSON/);
});

test('a history file over the size limit is refused as too large, before it is read', async () => {
  // Sparse: it takes no disk space, and would fail obscurely if read whole.
  const huge = file('huge.json', '');
  truncateSync(huge, MAX_HISTORY_BYTES + 1);
  const c = captureIo();
  assert.equal(await main(['lincheck', huge], c.io), 2);
  assert.match(c.err, new RegExp(`^shoal lincheck: .*huge\\.json is too large: ${MAX_HISTORY_BYTES + 1} bytes; a history may be at most 64 MiB \\(${MAX_HISTORY_BYTES} bytes\\)\n$`));
});

test('end to end: the built command exits 3 on 121 overlapping operations, naming the budget', { timeout: 60_000 }, () => {
  const path = file('e2e-overlapping.json', overlappingOnOneKey(60));
  const run = spawnSync(process.execPath, [join(repo, 'packages/cli/bin/shoal.js'), 'lincheck', '--max-memory-mb', '16', path], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(run.status, 3, `${run.stderr} ${String(run.error ?? '')}`);
  assert.match(run.stdout, /^undecided: the memory budget \(--max-memory-mb 16\) ran out/);
  assert.equal(run.stderr, '');
});
