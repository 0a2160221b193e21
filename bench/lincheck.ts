// Linearizability checker speed on generated KV histories (a simulated
// linearizable store with concurrent clients, overlapping intervals and
// operations that never return; optionally one injected stale read).
//
// Run: node --conditions=source --import tsx bench/lincheck.ts [--quick] [--seed S] [--emit FILE]
// Prints one JSON object per case:
//   {bench, ops, clients, keys, unknown_rate, violation, seed, parse_ms, ms, cpu_ms, steps, linearizable, witness_ops}
// `ms` is the check from parsed history to verdict (witness included when not
// linearizable), which is what `shoal lincheck` spends after reading the file.
// --emit FILE writes the first case's history, for timing the CLI on it.
import { writeFileSync } from 'node:fs';
import { checkLinearizable, generateKvHistory, kvHistoryToJson, kvModel, parseKvHistory } from '@shoal/sim';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const seedAt = argv.indexOf('--seed');
const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : 1;
const emitAt = argv.indexOf('--emit');
const emit = emitAt >= 0 ? argv[emitAt + 1] : undefined;
if (!Number.isSafeInteger(seed) || seed < 0 || (emitAt >= 0 && !emit)) {
  console.error('usage: bench/lincheck.ts [--quick] [--seed S] [--emit FILE]');
  process.exit(2);
}

interface Case {
  ops: number;
  clients: number;
  keys: number;
  unknownRate: number;
  violation: 'none' | 'stale-read';
}

const ops = quick ? 2000 : 10_000;
const cases: Case[] = [];
for (const keys of [20, 50, 100]) {
  for (const violation of ['none', 'stale-read'] as const) cases.push({ ops, clients: 10, keys, unknownRate: 0.02, violation });
}
// Harder: more operations that never return, and every client on very few keys.
cases.push({ ops, clients: 10, keys: 50, unknownRate: 0.1, violation: 'none' });
cases.push({ ops, clients: 10, keys: 5, unknownRate: 0.02, violation: 'none' });
cases.push({ ops, clients: 10, keys: 1, unknownRate: 0, violation: 'none' });
cases.push({ ops, clients: 10, keys: 1, unknownRate: 0.01, violation: 'none' });

for (const [i, c] of cases.entries()) {
  const generated = generateKvHistory({ seed, ops: c.ops, clients: c.clients, keys: c.keys, unknownRate: c.unknownRate, violation: c.violation });
  const text = kvHistoryToJson(generated.ops);
  if (i === 0 && emit) writeFileSync(emit, text);

  const parseStart = performance.now();
  const history = parseKvHistory(text);
  const parseMs = performance.now() - parseStart;

  const cpuMark = process.cpuUsage();
  const start = performance.now();
  // A generous limit keeps one pathological case from stalling the whole run; it then reports null.
  const result = checkLinearizable(kvModel, history, { timeoutMs: 120_000 });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuMark);

  console.log(
    JSON.stringify({
      bench: 'lincheck',
      ops: history.length,
      clients: c.clients,
      keys: c.keys,
      unknown_rate: c.unknownRate,
      violation: c.violation,
      seed,
      parse_ms: Math.round(parseMs),
      ms: Math.round(ms),
      cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
      steps: result.steps,
      linearizable: result.verdict === 'ok' ? true : result.verdict === 'illegal' ? false : null,
      ...(result.witness ? { witness_ops: result.witness.ops.length } : {}),
    }),
  );
}
