// The physical floor of one commit on this disk: a leader's append costs at
// least one write + fdatasync, and a follower's (in parallel) another, so no
// raft on this machine answers one client faster than this.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { quantile } from '../../packages/cli/src/commands/raft-bench-op.js';

export interface FloorResult {
  syncs: number;
  p50_ms: number;
  p99_ms: number;
}

/** `count` appends of `bytes` bytes to one file in `dir`, each followed by fdatasync. */
export async function fdatasyncFloor(dir: string, bytes: number, count: number): Promise<FloorResult> {
  const file = await open(join(dir, 'floor.log'), 'w');
  const data = new Uint8Array(bytes).fill(0x2e);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await file.write(data);
      await file.datasync();
      latencies.push(performance.now() - t0);
    }
  } finally {
    await file.close();
  }
  latencies.sort((a, b) => a - b);
  return { syncs: count, p50_ms: quantile(latencies, 0.5), p99_ms: quantile(latencies, 0.99) };
}
