// Smoke test of bench/raft-cluster.ts (which CI does not run): a few applies
// per cell on both implementations in both layouts, so the bench op of both
// server programs, the all-in-one-process programs (Go and shoal) and the
// report lines keep working. The figures themselves are not checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { raftBoltdbMissingReason } from '../harness/go-raft-log-bench.js';

const missing = raftBoltdbMissingReason();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test(missing ? `raft-cluster bench smoke (skipped: ${missing})` : 'bench/raft-cluster: both implementations, both layouts, one line per cell and a ratio line per layout and client count', { skip: missing !== undefined, timeout: 120_000 }, async () => {
  const args = ['--conditions=source', '--import', 'tsx', 'bench/raft-cluster.ts', '--clients', '1,4', '--ops', '12', '--warmup', '4', '--rounds', '1'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 110_000, maxBuffer: 1 << 20 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const cells = lines.filter((l) => l.impl !== undefined);
  assert.equal(cells.length, 8, stdout);
  for (const cell of cells) {
    for (const field of ['impl', 'layout', 'servers', 'clients', 'ops', 'size', 'ops_per_s', 'p50_ms', 'p99_ms', 'rss_mb']) assert.ok(field in cell, `${field} in ${JSON.stringify(cell)}`);
    assert.equal(cell.ops, 12);
    assert.equal(cell.size, 128);
    assert.ok((cell.ops_per_s as number) > 0 && (cell.p50_ms as number) <= (cell.p99_ms as number), JSON.stringify(cell));
  }
  const ratios = lines.filter((l) => l.ratios === true);
  assert.equal(ratios.length, 4);
  for (const r of ratios) assert.ok((r.shoal_over_go_ops_per_s as number) > 0, JSON.stringify(r));
  assert.equal(lines.at(-1)?.done, true);
});
