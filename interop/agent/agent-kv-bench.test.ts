// Smoke test of bench/agent-kv.ts (which CI does not run), the agent side
// only (CI has no etcd): a few hundred operations on a three-server agent
// cluster, so the cluster start, the load generator, the answer checks and
// the report lines keep working. The figures themselves are not checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('bench/agent-kv --impl shoal: one line per op and client count, no errors, a done line', { timeout: 60_000 }, async () => {
  const args = ['--conditions=source', '--import', 'tsx', 'bench/agent-kv.ts', '--impl', 'shoal', '--clients', '1,4', '--ops', '60', '--warmup', '20', '--rounds', '1', '--keys', '40'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 55_000, maxBuffer: 1 << 20 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]?.setup, true, stdout);
  assert.ok(Array.isArray(lines[0]?.loadavg), stdout);
  const cells = lines.filter((l) => l.impl !== undefined);
  assert.deepEqual(
    cells.map((c) => `${String(c.op)}/${String(c.clients)}`),
    ['put/1', 'put/4', 'get/1', 'get/4'],
  );
  for (const cell of cells) {
    assert.equal(cell.impl, 'shoal');
    assert.equal(cell.ops, 60);
    assert.equal(cell.errors, 0, JSON.stringify(cell));
    assert.equal(cell.failed, false);
    assert.ok((cell.ops_per_s as number) > 0 && (cell.p50_ms as number) <= (cell.p99_ms as number) && (cell.p99_ms as number) <= (cell.max_ms as number), JSON.stringify(cell));
  }
  assert.equal(lines.filter((l) => l.ratios === true).length, 0, 'no ratio lines without etcd');
  const cluster = lines.find((l) => l.cluster === 'shoal');
  assert.ok(cluster && (cluster.endpoints as string[]).includes(cluster.leader as string), stdout);
  assert.deepEqual({ done: lines.at(-1)?.done, failed_cells: lines.at(-1)?.failed_cells }, { done: true, failed_cells: 0 });
});

test('bench/agent-kv refuses a bad argument with its usage and exit code 2', { timeout: 30_000 }, async () => {
  const run = promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'bench/agent-kv.ts', '--impl', 'consul'], { cwd: ROOT, timeout: 25_000 });
  await assert.rejects(run, (error: { code?: number; stderr?: string }) => error.code === 2 && /--impl wants shoal, etcd or both/.test(error.stderr ?? '') && /usage: bench\/agent-kv\.ts/.test(error.stderr ?? ''));
});
