// Runs our Go program interop/raft-log-bench: HashiCorp raft-boltdb's
// StoreLogs timed on a real disk, for bench/raft-log.ts and its smoke test.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
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
  /** Goroutines calling StoreLogs concurrently on the one store (default 1). */
  writers?: number;
  /** Timed batches at most (all writers together). */
  count: number;
  /** Time limit for the timed batches. */
  maxMs: number;
  /** Also return every batch's latency. */
  samples?: boolean;
}

/** The program's one JSON line. */
export interface RaftLogBenchResult {
  impl: 'raft-boltdb';
  writers: number;
  batch: number;
  size: number;
  batches: number;
  elapsed_ms: number;
  batches_per_s: number;
  entries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The store's first and last index after the run, warm-up batches included. */
  first_index: number;
  last_index: number;
  latencies_us?: number[];
}

/** A log brought to steady state before timing: `fill` entries stored `fillBatch` at a time, compacted to the last `keep` after each batch. */
export interface SteadyFill {
  fill: number;
  fillBatch: number;
  keep: number;
}

/** What `run(ms)` answers: every StoreLogs call's latency and the wall time of the writers. */
export interface RaftLogBenchRun {
  latenciesMs: number[];
  elapsedMs: number;
}

const writersArgs = (writers: number | undefined): string[] => (writers === undefined ? [] : ['-writers', String(writers)]);

export async function runRaftLogBench(bin: string, o: RaftLogBenchOptions): Promise<RaftLogBenchResult> {
  const args = ['-dir', o.dir, '-batch', String(o.batch), '-size', String(o.size), '-count', String(o.count), '-max-ms', String(o.maxMs), ...writersArgs(o.writers)];
  if (o.samples) args.push('-samples');
  // The time limit bounds the timed loop; the margin covers start-up, warm-up and a slow last sync.
  const { stdout } = await promisify(execFile)(bin, args, { timeout: o.maxMs + 30_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim()) as RaftLogBenchResult;
}

/**
 * The program in -serve mode: one batch per `store()` call, or its writers
 * back to back for a while per `run(ms)` call, so a driver can alternate
 * raft-boltdb with other stores on a noisy machine.
 */
export class RaftLogBenchSession {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: AsyncIterator<string>;

  private constructor(child: ChildProcessByStdio<Writable, Readable, null>) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /**
   * Starts the program on `o.dir` and waits until its warm-up batches are
   * stored (after `steady.fill` entries stored `steady.fillBatch` at a time
   * and compacted to the last `steady.keep` after each batch, when given).
   */
  static async start(bin: string, o: Pick<RaftLogBenchOptions, 'dir' | 'batch' | 'size' | 'writers'>, steady?: SteadyFill): Promise<RaftLogBenchSession> {
    const steadyArgs = steady === undefined ? [] : ['-fill', String(steady.fill), '-fill-batch', String(steady.fillBatch), '-keep', String(steady.keep)];
    const child = spawn(bin, ['-serve', '-dir', o.dir, '-batch', String(o.batch), '-size', String(o.size), ...writersArgs(o.writers), ...steadyArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
    const session = new RaftLogBenchSession(child);
    const ready = (await session.#next()) as { ready?: boolean };
    if (ready.ready !== true) throw new Error(`raft-log-bench: expected ready, got ${JSON.stringify(ready)}`);
    return session;
  }

  /** Stores one batch; resolves to StoreLogs' latency in ms as the Go program timed it. */
  async store(): Promise<number> {
    this.#child.stdin.write('store\n');
    const { us } = (await this.#next()) as { us?: number };
    if (typeof us !== 'number') throw new Error('raft-log-bench: expected a latency');
    return us / 1e3;
  }

  /** Runs the session's writers back to back for `ms` of wall time, each call timed by the Go program. */
  async run(ms: number): Promise<RaftLogBenchRun> {
    this.#child.stdin.write(`run ${Math.max(1, Math.round(ms))}\n`);
    const r = (await this.#next()) as { batches?: number; elapsed_us?: number; us?: number[] };
    if (typeof r.elapsed_us !== 'number' || !Array.isArray(r.us) || r.us.length !== r.batches) throw new Error(`raft-log-bench: expected a run, got ${JSON.stringify(r).slice(0, 200)}`);
    return { latenciesMs: r.us.map((us) => us / 1e3), elapsedMs: r.elapsed_us / 1e3 };
  }

  /** Deletes all but the last `keep` entries (DeleteRange from the head); resolves to the log's bounds after. */
  async compact(): Promise<{ first: number; last: number }> {
    this.#child.stdin.write('compact\n');
    const r = (await this.#next()) as { first?: number; last?: number };
    if (typeof r.first !== 'number' || typeof r.last !== 'number') throw new Error(`raft-log-bench: expected bounds, got ${JSON.stringify(r)}`);
    return { first: r.first, last: r.last };
  }

  /** Ends the session; resolves to the program's summary of the batches it stored. */
  async close(): Promise<RaftLogBenchResult> {
    this.#child.stdin.end();
    const summary = (await this.#next()) as RaftLogBenchResult;
    if (this.#child.exitCode === null) await once(this.#child, 'exit');
    return summary;
  }

  async #next(): Promise<unknown> {
    const r = await this.#lines.next();
    if (r.done) throw new Error(`raft-log-bench exited (code ${this.#child.exitCode ?? 'pending'}); see its stderr`);
    return JSON.parse(r.value);
  }
}
