// The simulation harness: determinism (seed → trace), a calm run, and chaos
// runs that must keep every invariant and, once healed, converge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKvChecker } from './lincheck-adapter.js';
import { runRaftSimulation } from './harness.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 20240601);
const checkHistory = findKvChecker();

test('the same seed replays the same run; another seed does not', async () => {
  const a = await runRaftSimulation({ nodes: 3, seed: SEED, durationMs: 1500, chaos: true });
  const b = await runRaftSimulation({ nodes: 3, seed: SEED, durationMs: 1500, chaos: true });
  const c = await runRaftSimulation({ nodes: 3, seed: SEED + 1, durationMs: 1500, chaos: true });
  assert.equal(a.trace_hash, b.trace_hash, `seed ${SEED}`);
  assert.deepEqual(a.history, b.history, `seed ${SEED}`);
  assert.equal(a.ops_ok, b.ops_ok);
  assert.notEqual(a.trace_hash, c.trace_hash);
});

test('a calm five-server cluster serves clients, elects once and converges', async () => {
  const r = await runRaftSimulation({ nodes: 5, seed: SEED, durationMs: 2000, chaos: false, checkHistory });
  assert.equal(r.invariant_violations, 0, JSON.stringify(r.violations));
  assert.equal(r.elections, 1);
  assert.ok(r.ops_ok > 300, `ops_ok ${r.ops_ok}`);
  assert.equal(r.ops_unknown, 0);
  assert.ok(r.converged);
  assert.equal(r.linearizable, true);
});

test('chaos: 3- and 5-server clusters keep the invariants and converge (20 seeds)', async () => {
  for (let i = 0; i < 20; i++) {
    const seed = SEED + 100 + i;
    const nodes = i % 2 === 0 ? 3 : 5;
    const r = await runRaftSimulation({ nodes, seed, durationMs: 2000, chaos: true, checkHistory });
    const where = `seed ${seed} nodes ${nodes} (replay: shoal sim raft --nodes ${nodes} --seed ${seed} --duration-ms 2000 --chaos)`;
    assert.equal(r.invariant_violations, 0, `${where}: ${JSON.stringify(r.violations)}`);
    assert.ok(r.converged, `${where}: did not converge`);
    assert.equal(r.linearizable, true, `${where}: linearizable is ${String(r.linearizable)}`);
    assert.ok(r.ops_ok > 0, where);
    assert.ok(r.nemesis !== null && r.nemesis.partitions + r.nemesis.crashes + r.nemesis.linkFaults > 0, where);
  }
});
