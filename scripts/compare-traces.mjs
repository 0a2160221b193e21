// Compares two `shoal sim raft` outputs (JSON lines) seed by seed: how many
// seeds have the same trace_hash, which differ, and how many runs of the first
// were not linearizable or broke an invariant. For "same seed, same trace"
// checks across a refactor:
//   node scripts/compare-traces.mjs after.jsonl before.jsonl
import { readFileSync } from 'node:fs';

const [afterFile, beforeFile] = process.argv.slice(2);
if (!afterFile || !beforeFile) {
  console.error('usage: node scripts/compare-traces.mjs AFTER.jsonl BEFORE.jsonl');
  process.exit(2);
}
const runs = (file) =>
  new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .map((run) => [run.seed, run]),
  );
const after = runs(afterFile);
const before = runs(beforeFile);
let same = 0;
const differ = [];
let notLinearizable = 0;
let withViolations = 0;
for (const [seed, run] of after) {
  if (run.linearizable === false) notLinearizable++;
  if (run.invariant_violations > 0) withViolations++;
  const old = before.get(seed);
  if (old === undefined) continue;
  if (old.trace_hash === run.trace_hash) same++;
  else differ.push(seed);
}
console.log(JSON.stringify({ runs: after.size, compared: same + differ.length, same, differ: differ.length, first_differ: differ.slice(0, 10), not_linearizable: notLinearizable, with_violations: withViolations }));
process.exit(differ.length > 0 || notLinearizable > 0 || withViolations > 0 ? 1 : 0);
