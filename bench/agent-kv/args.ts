// The command line of bench/agent-kv.ts, parsed without side effects so the
// rules are table-tested: every count a positive integer (warm-up may be 0),
// --impl one of shoal, etcd or both.
import { parseArgs } from 'node:util';

export type KvImpl = 'shoal' | 'etcd';
export type KvOp = 'put' | 'get';

export interface AgentKvArgs {
  readonly clients: readonly number[];
  /** Timed operations per cell and round. */
  readonly ops: number;
  /** Untimed operations per implementation and op before the rounds, at the largest client count. */
  readonly warmup: number;
  readonly rounds: number;
  readonly impls: readonly KvImpl[];
  /** Value size in bytes. */
  readonly size: number;
  /** Distinct keys the operations spread over. */
  readonly keys: number;
  /** Where the agents write their .cpuprofile files (on a clean exit at the end). */
  readonly cpuProf?: string;
}

export const AGENT_KV_USAGE =
  'usage: bench/agent-kv.ts [--clients 1,64] [--ops N] [--warmup N] [--rounds R] [--impl shoal|etcd|both] [--size B] [--keys K] [--cpu-prof DIR]';

/** The parsed arguments, or the reason they are not acceptable. */
export function parseAgentKvArgs(argv: readonly string[]): AgentKvArgs | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        clients: { type: 'string', default: '1,64' },
        ops: { type: 'string', default: '3000' },
        warmup: { type: 'string', default: '500' },
        rounds: { type: 'string', default: '3' },
        impl: { type: 'string', default: 'both' },
        size: { type: 'string', default: '128' },
        keys: { type: 'string', default: '1000' },
        'cpu-prof': { type: 'string' },
      },
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  const count = (name: string, text: string, min: number): number | string => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    return Number.isSafeInteger(n) && n >= min ? n : `--${name} wants an integer ≥ ${min}, not ${JSON.stringify(text)}`;
  };
  const clients = values.clients.split(',').map((c) => count('clients', c, 1));
  const ops = count('ops', values.ops, 1);
  const warmup = count('warmup', values.warmup, 0);
  const rounds = count('rounds', values.rounds, 1);
  const size = count('size', values.size, 1);
  const keys = count('keys', values.keys, 1);
  const problem = [...clients, ops, warmup, rounds, size, keys].find((x) => typeof x === 'string');
  if (problem !== undefined) return { error: problem };
  const impls: KvImpl[] | undefined = values.impl === 'both' ? ['shoal', 'etcd'] : values.impl === 'shoal' || values.impl === 'etcd' ? [values.impl] : undefined;
  if (impls === undefined) return { error: `--impl wants shoal, etcd or both, not ${JSON.stringify(values.impl)}` };
  return {
    clients: clients as number[],
    ops: ops as number,
    warmup: warmup as number,
    rounds: rounds as number,
    impls,
    size: size as number,
    keys: keys as number,
    ...(values['cpu-prof'] !== undefined ? { cpuProf: values['cpu-prof'] } : {}),
  };
}
