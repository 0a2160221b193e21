// Issue 7: CI runs at least 200 chaos seeds (short runs). Replay a failure with
// `shoal sim raft --nodes N --seed S --duration-ms 1000 --chaos`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKvChecker } from './lincheck-adapter.js';
import { runRaftSimulation } from './harness.js';

const FIRST = Number(process.env['SHOAL_SEED'] ?? 1);
const COUNT = Number(process.env['SHOAL_SEEDS'] ?? 200);
const checkHistory = findKvChecker();

test(`${COUNT} chaos seeds from ${FIRST}: invariants hold, histories linearizable, clusters converge`, async () => {
  const failures: string[] = [];
  for (let seed = FIRST; seed < FIRST + COUNT; seed++) {
    const nodes = seed % 3 === 0 ? 5 : 3;
    const r = await runRaftSimulation({ nodes, seed, durationMs: 1000, chaos: true, checkHistory });
    if (r.invariant_violations > 0 || !r.converged || r.linearizable !== true) {
      failures.push(`seed ${seed} nodes ${nodes}: violations ${JSON.stringify(r.violations)} converged ${r.converged} linearizable ${String(r.linearizable)}`);
    }
  }
  assert.deepEqual(failures, []);
});
