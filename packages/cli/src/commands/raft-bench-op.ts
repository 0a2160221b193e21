// The `bench` request of `shoal raft` (and of bench/raft-cluster's
// all-in-one-process server): `clients` concurrent callers of raft.apply in
// this process, `ops` applies in all, each command `size` ASCII bytes. The
// same op as interop/raft-node/bench.go, so both implementations are timed
// from inside the leader's process, without the stdin pipe in the loop.
import { performance } from 'node:perf_hooks';
import type { Raft } from '@shoal/raft';

export interface BenchRequest {
  clients: number;
  ops: number;
  size: number;
}

export interface BenchReply {
  ok: true;
  ops: number;
  elapsed_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  rss_mb: number;
  /** CPU time (user + system) this whole process used during the run, per apply. */
  cpu_ms_per_op: number;
}

/** The limits of one request: a typo must not queue a billion applies. */
const MAX_CLIENTS = 4096;
const MAX_OPS = 10_000_000;
const MAX_SIZE = 1 << 20;

/** Reads the bench fields from a request line's object; a string names what is wrong. */
export function benchRequestOf(fields: Record<string, unknown>): BenchRequest | string {
  const get = (name: string, max: number): number | string => {
    const v = fields[name];
    return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : `bench needs ${name}, an integer in [1, ${max}]`;
  };
  const clients = get('clients', MAX_CLIENTS);
  const ops = get('ops', MAX_OPS);
  const size = get('size', MAX_SIZE);
  if (typeof clients === 'string') return clients;
  if (typeof ops === 'string') return ops;
  if (typeof size === 'string') return size;
  return { clients, ops, size };
}

/** Nearest-rank quantile (the Go side's rule too). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** A distinct printable command of exactly `size` bytes: the op's number, padded. */
function command(n: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(0x2e); // '.'
  const label = `${n}`;
  for (let i = 0; i < label.length && i < size; i++) bytes[i] = label.charCodeAt(i);
  return bytes;
}

/** Runs the applies; rejects with the first apply's error (not leader, shut down). */
export async function runBench(raft: Raft, req: BenchRequest): Promise<BenchReply> {
  const latencies: number[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < req.ops) {
      const data = command(next++, req.size);
      const t0 = performance.now();
      await raft.apply(data);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: Math.min(req.clients, req.ops) }, client));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    ok: true,
    ops: latencies.length,
    elapsed_ms: elapsedMs,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.at(-1) ?? 0,
    rss_mb: process.memoryUsage.rss() / (1 << 20),
    cpu_ms_per_op: (cpu.user + cpu.system) / 1e3 / Math.max(1, latencies.length),
  };
}

/** The protocol's `bench` op: the reply line's fields, ok:false on a bad request. */
export async function benchOp(raft: Raft, fields: Record<string, unknown>): Promise<BenchReply | { ok: false; error: string }> {
  const req = benchRequestOf(fields);
  if (typeof req === 'string') return { ok: false, error: req };
  return runBench(raft, req);
}
