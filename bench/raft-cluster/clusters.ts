// Starts a three-server cluster of one implementation in one of the two
// layouts and runs `bench` requests on its leader, inside the leader's
// process: "multi" is one server per process (`shoal raft` from the built
// dist, or interop/raft-node), "single" is all three in one process
// (bench/raft-cluster/shoal-single.ts, or interop/raft-cluster-bench).
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../../interop/harness/children.js';
import { buildGoProgram } from '../../interop/harness/go-build.js';
import { freeLoopbackPorts, startRaftNode, type RaftImpl, type RaftNodeProcess } from '../../interop/harness/raft-node-process.js';
import { agreedLeader } from '../../interop/harness/raft-node-waits.js';
import { withCpuProfiling } from './cpu-profile-env.js';

export type Layout = 'multi' | 'single';

export interface BenchFigures {
  ops: number;
  elapsed_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  rss_mb: number;
  cpu_ms_per_op: number;
}

export interface Cluster {
  /** Process ID of the leader's process (for profiling and RSS). */
  leaderPid: number | undefined;
  bench(clients: number, ops: number, size: number): Promise<BenchFigures>;
  stop(): Promise<void>;
}

/** A bench of N ops must finish well inside this, even at a few hundred ops/s. */
const BENCH_TIMEOUT_MS = 600_000;

function figuresOf(reply: Record<string, unknown>, what: string): BenchFigures {
  if (reply.ok !== true) throw new Error(`${what}: bench failed: ${String(reply.error)}`);
  return reply as unknown as BenchFigures;
}

async function startMulti(impl: RaftImpl, dir: string, options: ShoalOptions): Promise<Cluster> {
  const flags = impl === 'shoal' ? [...parallelAppendFlag(options), ...(options.inlineLogWrites ? ['--inline-log-writes'] : [])] : [];
  const ports = await freeLoopbackPorts(3);
  const peers = ports.map((port, i) => ({ id: `s${i + 1}`, addr: `127.0.0.1:${port}` }));
  const nodes: RaftNodeProcess[] = [];
  try {
    for (const p of peers) {
      nodes.push(await startRaftNode({ impl, id: p.id, bind: p.addr, dir: join(dir, p.id), bootstrap: peers, extraArgs: flags, startTimeoutMs: 120_000 }));
    }
    const leader = await agreedLeader(nodes, 30_000);
    return {
      leaderPid: leader.pid,
      async bench(clients, ops, size) {
        return figuresOf(await leader.request('bench', { clients, ops, size }, BENCH_TIMEOUT_MS), `${impl} ${leader.id}`);
      },
      async stop() {
        await Promise.all(nodes.map((n) => n.stop()));
      },
    };
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
}

/**
 * shoal's options beyond Go's: config.parallelAppend, which Go raft lacks,
 * and, one server per process, `shoal raft --inline-log-writes` (in one
 * process a server writing on the main thread would hold up the other two).
 */
export interface ShoalOptions {
  parallelAppend: boolean;
  inlineLogWrites: boolean;
}

const parallelAppendFlag = (options: ShoalOptions): string[] => (options.parallelAppend ? ['--parallel-append'] : []);

const SHOAL_SINGLE = fileURLToPath(new URL('shoal-single.ts', import.meta.url));

async function startSingle(impl: RaftImpl, dir: string, options: ShoalOptions): Promise<Cluster> {
  const [command, args] =
    impl === 'go'
      ? [await buildGoProgram('raft-cluster-bench', 'raft-cluster-bench'), ['-dir', dir]]
      : [process.execPath, ['--conditions=source', '--import', 'tsx', SHOAL_SINGLE, '--dir', dir, '--ports', (await freeLoopbackPorts(3)).join(','), ...parallelAppendFlag(options)]];
  const child = trackChild(spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${impl} single-process cluster exited (code ${child.exitCode})`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const stop = async (): Promise<void> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const ready = await next();
    if (ready.event !== 'ready') throw new Error(`${impl} single: expected ready, got ${JSON.stringify(ready)}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let req = 0;
  return {
    leaderPid: child.pid,
    async bench(clients, ops, size) {
      child.stdin.write(`${JSON.stringify({ req: ++req, op: 'bench', clients, ops, size })}\n`);
      return figuresOf(await next(), `${impl} single`);
    },
    stop,
  };
}

/**
 * Starts the cluster on fresh stores under `dir`. With `cpuProfileDir`,
 * every shoal process writes a .cpuprofile there when it exits cleanly (on
 * stop()).
 */
export async function startCluster(impl: RaftImpl, layout: Layout, dir: string, shoal: ShoalOptions, cpuProfileDir?: string): Promise<Cluster> {
  await mkdir(dir, { recursive: true });
  return withCpuProfiling(impl === 'shoal' ? cpuProfileDir : undefined, () => (layout === 'multi' ? startMulti(impl, dir, shoal) : startSingle(impl, dir, shoal)));
}
