// Smoke test of the Go side of bench/raft-log.ts: the program builds against
// the Debian raft-boltdb package and prints one parsable, consistent line,
// with one writer or several (-writers) and in -serve mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRaftLogBench, raftBoltdbMissingReason, RaftLogBenchSession, runRaftLogBench } from '../harness/go-raft-log-bench.js';

const missing = raftBoltdbMissingReason();
/** Batches the Go program stores before timing. */
const WARMUP = 3;

test(missing ? `raft-log-bench (skipped: ${missing})` : 'raft-log-bench: raft-boltdb StoreLogs on a temporary directory prints one JSON summary', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildRaftLogBench();
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-bench-test-'));
  try {
    const r = await runRaftLogBench(bin, { dir, batch: 4, size: 100, count: 5, maxMs: 5_000, samples: true });
    assert.equal(r.impl, 'raft-boltdb');
    assert.equal(r.batch, 4);
    assert.equal(r.size, 100);
    assert.equal(r.batches, 5);
    assert.equal(r.latencies_us?.length, 5);
    assert.ok(r.p50_ms > 0 && r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms, `quantiles in order: ${JSON.stringify(r)}`);
    assert.ok(Math.abs(r.entries_per_s - 4 * r.batches_per_s) < 1e-6 * r.entries_per_s);
    assert.ok(existsSync(join(dir, 'raft.db')), 'the BoltDB file is where it was asked to be');
    assert.equal(r.writers, 1);
    assert.deepEqual([r.first_index, r.last_index], [1, (5 + WARMUP) * 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(missing ? `raft-log-bench -writers (skipped: ${missing})` : 'raft-log-bench -writers 4: concurrent StoreLogs on one store, contiguous indexes, every call timed', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildRaftLogBench();
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-bench-test-'));
  try {
    const r = await runRaftLogBench(bin, { dir, batch: 3, size: 64, writers: 4, count: 20, maxMs: 10_000, samples: true });
    assert.equal(r.writers, 4);
    assert.equal(r.batches, 20, 'the count bounds all writers together');
    assert.equal(r.latencies_us?.length, 20);
    assert.deepEqual([r.first_index, r.last_index], [1, (20 + WARMUP) * 3], 'the writers reserved contiguous index ranges');
    assert.ok(r.p50_ms > 0 && r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms, `quantiles in order: ${JSON.stringify(r)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(missing ? `raft-log-bench -serve (skipped: ${missing})` : 'raft-log-bench -serve: one batch per request, then the summary of exactly those', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildRaftLogBench();
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-bench-test-'));
  try {
    const session = await RaftLogBenchSession.start(bin, { dir, batch: 2, size: 4096 });
    const latencies = [await session.store(), await session.store(), await session.store()];
    assert.ok(latencies.every((ms) => ms > 0), `positive latencies: ${latencies.join(', ')}`);
    const summary = await session.close();
    assert.equal(summary.batches, 3);
    assert.equal(summary.batch, 2);
    assert.ok(Math.abs(summary.max_ms - Math.max(...latencies)) < 1e-6, "the summary covers the batches the session reported");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(missing ? `raft-log-bench -serve -writers (skipped: ${missing})` : 'raft-log-bench -serve -writers 3: run(ms) times every concurrent call, then the summary of them all', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildRaftLogBench();
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-bench-test-'));
  try {
    const session = await RaftLogBenchSession.start(bin, { dir, batch: 2, size: 128, writers: 3 });
    const runs = [await session.run(150), await session.run(150)];
    for (const run of runs) {
      assert.ok(run.latenciesMs.length >= 3, `every writer finished a call at least: ${run.latenciesMs.length}`);
      assert.ok(run.elapsedMs >= 150 && run.latenciesMs.every((ms) => ms > 0 && ms <= run.elapsedMs), `latencies within the run: ${JSON.stringify(run).slice(0, 300)}`);
    }
    const summary = await session.close();
    const stored = runs[0]!.latenciesMs.length + runs[1]!.latenciesMs.length;
    assert.equal(summary.writers, 3);
    assert.equal(summary.batches, stored);
    assert.deepEqual([summary.first_index, summary.last_index], [1, (stored + WARMUP) * 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(missing ? `raft-log-bench -fill (skipped: ${missing})` : 'raft-log-bench -serve -fill -keep: a steady-state log (filled, compacted after each batch), then compact between runs', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildRaftLogBench();
  const dir = mkdtempSync(join(tmpdir(), 'shoal-raft-log-bench-test-'));
  try {
    const session = await RaftLogBenchSession.start(bin, { dir, batch: 2, size: 64 }, { fill: 100, fillBatch: 30, keep: 10 });
    // The fill stored 1..100 and kept the last 10; the warm-up batches continued from 101.
    assert.deepEqual(await session.compact(), { first: 100 + WARMUP * 2 - 9, last: 100 + WARMUP * 2 });
    await session.store();
    const last = 100 + (WARMUP + 1) * 2;
    assert.deepEqual(await session.compact(), { first: last - 9, last });
    assert.deepEqual(await session.compact(), { first: last - 9, last }, 'nothing more to delete');
    const summary = await session.close();
    assert.deepEqual([summary.first_index, summary.last_index], [last - 9, last]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
