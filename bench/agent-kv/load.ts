// The load generator, the same for both systems: `clients` closed loops, each
// on its own keep-alive connection to one member (round-robin over the
// members, from `firstEndpoint`), together issuing `ops` operations numbered from `firstOp`
// (operation n works on key n mod `keys`). Every answer is checked; a wrong
// one or none within the timeout counts as an error.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { quantile } from '../../packages/cli/src/commands/raft-bench-op.js';
import type { KvImpl, KvOp } from './args.js';
import { answerProblem, keyOf, kvRequest, valueOf } from './kv-requests.js';

export interface LoadOptions {
  readonly impl: KvImpl;
  readonly op: KvOp;
  /** host:port of each member's HTTP API. */
  readonly endpoints: readonly string[];
  /** Client c talks to endpoints[(c + firstEndpoint) mod n]: rounds rotate it, so one client meets leader and followers alike. */
  readonly firstEndpoint?: number;
  readonly clients: number;
  readonly ops: number;
  readonly firstOp: number;
  readonly size: number;
  readonly keys: number;
  readonly timeoutMs?: number;
}

export interface LoadFigures {
  ops: number;
  errors: number;
  first_error?: string;
  elapsed_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

interface Answer {
  status: number;
  body: string;
}

function call(agent: Agent, endpoint: string, method: string, path: string, body: Buffer | undefined, timeoutMs: number): Promise<Answer> {
  const [host, port] = endpoint.split(':');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { 'content-length': body.length, 'content-type': 'application/octet-stream' };
    const req = request({ host, port: Number(port), method, path, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadFigures> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const agents = Array.from({ length: o.clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const client = async (c: number): Promise<void> => {
    const endpoint = o.endpoints[(c + (o.firstEndpoint ?? 0)) % o.endpoints.length]!;
    while (issued < o.ops) {
      const n = o.firstOp + issued++;
      const key = keyOf(n, o.keys);
      const { method, path, body } = kvRequest(o.impl, o.op, key, valueOf(n, o.size));
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        const answer = await call(agents[c]!, endpoint, method, path, body, timeoutMs);
        problem = answerProblem(o.impl, o.op, key, answer.status, answer.body);
      } catch (error) {
        problem = (error as Error).message;
      }
      latencies.push(performance.now() - t0);
      if (problem !== undefined) {
        errors++;
        firstError ??= `${method} ${endpoint}${path}: ${problem}`;
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  } finally {
    for (const agent of agents) agent.destroy();
  }
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    ...(firstError !== undefined ? { first_error: firstError } : {}),
    elapsed_ms: elapsed,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
    max_ms: latencies.at(-1) ?? 0,
  };
}
