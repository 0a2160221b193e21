// A cell's rounds as one row, and the shoal/etcd ratio line of the issue's
// targets: PUT at 64 clients at least 0.8× etcd's ops/s, linearizable GET at
// least 1× etcd's at every client count.
import type { KvOp } from './args.js';
import type { LoadFigures } from './load.js';

export interface RoundFigures extends LoadFigures {
  /** CPU the three servers spent, per operation. */
  cluster_cpu_ms_per_op: number;
}

export interface CellRow {
  rounds: number;
  /** Operations over all rounds. */
  ops: number;
  errors: number;
  first_error?: string;
  /** The median round's, as are p50 and p99. */
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** The largest of any round. */
  max_ms: number;
  cluster_cpu_ms_per_op: number;
  failed: boolean;
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

export function combineRounds(runs: readonly RoundFigures[]): CellRow {
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const firstError = runs.find((r) => r.first_error !== undefined)?.first_error;
  return {
    rounds: runs.length,
    ops: runs.reduce((n, r) => n + r.ops, 0),
    errors,
    ...(firstError !== undefined ? { first_error: firstError } : {}),
    ops_per_s: median(runs.map((r) => (r.ops / r.elapsed_ms) * 1e3)),
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    max_ms: Math.max(0, ...runs.map((r) => r.max_ms)),
    cluster_cpu_ms_per_op: median(runs.map((r) => r.cluster_cpu_ms_per_op)),
    failed: errors > 0,
  };
}

export const PUT_TARGET = { clients: 64, ratio: 0.8 } as const;
export const GET_TARGET_RATIO = 1;

export interface RatioLine {
  op: KvOp;
  clients: number;
  shoal_over_etcd_ops_per_s: number | null;
  shoal_over_etcd_p50: number | null;
  shoal_over_etcd_p99: number | null;
  shoal_over_etcd_cpu_per_op: number | null;
  /** Null where the issue sets no target, or a side is missing or failed. */
  targets_met: boolean | null;
}

const ratio = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || b === 0 ? null : Number((a / b).toFixed(3)));

export function ratioLine(op: KvOp, clients: number, shoal: CellRow | undefined, etcd: CellRow | undefined): RatioLine {
  const throughput = shoal?.failed || etcd?.failed ? null : ratio(shoal?.ops_per_s, etcd?.ops_per_s);
  const target = op === 'get' ? GET_TARGET_RATIO : clients === PUT_TARGET.clients ? PUT_TARGET.ratio : undefined;
  return {
    op,
    clients,
    shoal_over_etcd_ops_per_s: throughput,
    shoal_over_etcd_p50: ratio(shoal?.p50_ms, etcd?.p50_ms),
    shoal_over_etcd_p99: ratio(shoal?.p99_ms, etcd?.p99_ms),
    shoal_over_etcd_cpu_per_op: ratio(shoal?.cluster_cpu_ms_per_op, etcd?.cluster_cpu_ms_per_op),
    targets_met: target === undefined || throughput === null ? null : throughput >= target,
  };
}
