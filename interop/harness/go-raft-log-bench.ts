// Runs our Go program interop/raft-log-bench: HashiCorp raft-boltdb's
// StoreLogs timed on a real disk, for bench/raft-log.ts and its smoke test.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { buildGoProgram, goMissingReason } from './go-build.js';

const RAFT_BOLTDB_SRC = '/usr/share/gocode/src/github.com/hashicorp/raft-boltdb';

/**
 * Why the raft-boltdb program cannot run here, or undefined when it can. Like
 * goMissingReason, a missing package is a failure in CI, never a skip.
 */
export function raftBoltdbMissingReason(): string | undefined {
  const go = goMissingReason();
  if (go !== undefined) return go;
  if (existsSync(RAFT_BOLTDB_SRC)) return undefined;
  const reason = 'golang-github-hashicorp-raft-boltdb-dev not installed (run scripts/setup.sh)';
  if (process.env.CI) throw new Error(`interop: ${reason}`);
  return reason;
}

export function buildRaftLogBench(): Promise<string> {
  return buildGoProgram('raft-log-bench', 'raft-log-bench');
}

export interface RaftLogBenchOptions {
  /** An existing directory; the program creates raft.db in it. */
  dir: string;
  batch: number;
  size: number;
  /** Timed batches at most. */
  count: number;
  /** Time limit for the timed batches. */
  maxMs: number;
  /** Also return every batch's latency. */
  samples?: boolean;
}

/** The program's one JSON line. */
export interface RaftLogBenchResult {
  impl: 'raft-boltdb';
  batch: number;
  size: number;
  batches: number;
  elapsed_ms: number;
  batches_per_s: number;
  entries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  latencies_us?: number[];
}

export async function runRaftLogBench(bin: string, o: RaftLogBenchOptions): Promise<RaftLogBenchResult> {
  const args = ['-dir', o.dir, '-batch', String(o.batch), '-size', String(o.size), '-count', String(o.count), '-max-ms', String(o.maxMs)];
  if (o.samples) args.push('-samples');
  // The time limit bounds the timed loop; the margin covers start-up, warm-up and a slow last sync.
  const { stdout } = await promisify(execFile)(bin, args, { timeout: o.maxMs + 30_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim()) as RaftLogBenchResult;
}
