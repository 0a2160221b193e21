import { seededRandom, type Random } from '@shoal/kit';
import type { KvInput, KvOperation, KvOutput } from './kv.js';

export interface KvHistoryOptions {
  seed: number;
  /** Operations in the history. */
  ops: number;
  clients: number;
  keys: number;
  /** Fraction of operations that never return (default 0.01); half of those took effect. */
  unknownRate?: number;
  /** Operations take 1..maxLatency time units (default 10). */
  maxLatency?: number;
  /** 'stale-read' rewrites one read to return a value overwritten before the read began. */
  violation?: 'none' | 'stale-read';
}

export interface GeneratedKvHistory {
  readonly ops: KvOperation[];
  /** The operation whose output was rewritten, when a violation was injected. */
  readonly injected?: { readonly id: number; readonly key: string; readonly staleValue: string };
}

interface Pending {
  op: MutableOp;
  effectAt: number | null;
  knownAt: number | null;
}

type MutableOp = { -readonly [K in keyof KvOperation]: KvOperation[K] };

/**
 * A history of concurrent clients using a linearizable KV store, simulated:
 * each operation takes effect atomically at a random instant inside its
 * interval, so the history is linearizable by construction. Clients are
 * sequential; one whose operation times out (unknown outcome) moves on. Keys
 * are skewed (low-numbered keys are hotter); written values are unique, and
 * a client's cas expects the value it last saw. Deterministic from the seed.
 */
export function generateKvHistory(options: KvHistoryOptions): GeneratedKvHistory {
  const random = seededRandom(options.seed);
  const maxLatency = options.maxLatency ?? 10;
  const unknownRate = options.unknownRate ?? 0.01;
  const store = new Map<string, string>();
  const lastSeen = Array.from({ length: options.clients }, () => new Map<string, string | null>());
  const sequence = new Array<number>(options.clients).fill(0);
  const nextCall = Array.from({ length: options.clients }, () => random.int(maxLatency));
  const pending: Pending[] = [];
  const ops: MutableOp[] = [];

  const issue = (client: number, now: number): void => {
    const key = `k${Math.floor(options.keys * random.float() ** 2)}`;
    const input = chooseInput(random, client, sequence[client]!++, key, lastSeen[client]!);
    const latency = 1 + random.int(maxLatency);
    const unknown = random.chance(unknownRate);
    const op: MutableOp = { id: ops.length, client, input, output: undefined, call: now, return: unknown ? null : now + latency };
    ops.push(op);
    const effectAt = unknown && random.chance(0.5) ? null : now + random.float() * latency;
    pending.push({ op, effectAt, knownAt: unknown ? null : now + latency });
    // A client that times out waits out a second latency before moving on.
    nextCall[client] = now + latency + (unknown ? maxLatency : random.int(3));
  };

  while (ops.length < options.ops || pending.length > 0) {
    // The next event: an effect, a return, or (while operations remain) a client's next call.
    let at = Number.POSITIVE_INFINITY;
    let kind: 'effect' | 'return' | 'call' = 'call';
    let index = -1;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      const t = p.effectAt ?? p.knownAt;
      if (t !== null && t < at) {
        at = t;
        kind = p.effectAt !== null ? 'effect' : 'return';
        index = i;
      }
    }
    if (ops.length < options.ops) {
      for (let client = 0; client < options.clients; client++) {
        const busy = pending.some((p) => p.op.client === client && p.knownAt !== null);
        if (!busy && nextCall[client]! < at) {
          at = nextCall[client]!;
          kind = 'call';
          index = client;
        }
      }
    }
    if (index === -1) {
      // Only unknown operations that never take effect are left.
      pending.length = 0;
      break;
    }
    if (kind === 'call') {
      issue(index, at);
      continue;
    }
    const p = pending[index]!;
    if (kind === 'effect') {
      const output = apply(store, p.op.input);
      p.effectAt = null;
      if (p.op.return !== null) p.op.output = output;
      if (p.knownAt === null) pending.splice(index, 1);
    } else {
      pending.splice(index, 1);
      learn(lastSeen[p.op.client]!, p.op.input, p.op.output);
    }
  }
  ops.forEach((op) => {
    if (op.return !== null && op.output === undefined) op.output = null;
  });
  const injected = options.violation === 'stale-read' ? injectStaleRead(random, ops) : undefined;
  return injected ? { ops, injected } : { ops };
}

function chooseInput(random: Random, client: number, n: number, key: string, seen: Map<string, string | null>): KvInput {
  const roll = random.float();
  if (roll < 0.4) return { op: 'get', key };
  if (roll < 0.65) return { op: 'put', key, value: `p${client}.${n}` };
  if (roll < 0.75) return { op: 'append', key, value: `+a${client}.${n}` };
  return { op: 'cas', key, expect: seen.get(key) ?? null, value: `s${client}.${n}` };
}

function apply(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  switch (input.op) {
    case 'get':
      return current;
    case 'put':
      store.set(input.key, input.value);
      return null;
    case 'append':
      store.set(input.key, (current ?? '') + input.value);
      return null;
    case 'cas':
      if (current !== input.expect) return false;
      store.set(input.key, input.value);
      return true;
  }
}

function learn(seen: Map<string, string | null>, input: KvInput, output: KvOutput | undefined): void {
  if (input.op === 'get' && output !== undefined && typeof output !== 'boolean') seen.set(input.key, output);
  else if (input.op === 'put' || (input.op === 'cas' && output === true)) seen.set(input.key, input.value);
}

/**
 * Makes a read return the value of a put w0 although another put w2 began
 * after w0 returned and returned before the read began. Values are unique, so
 * no linearization can produce that read.
 */
function injectStaleRead(random: Random, ops: MutableOp[]): GeneratedKvHistory['injected'] {
  const puts = new Map<string, MutableOp[]>();
  for (const op of ops) {
    if (op.input.op !== 'put' || op.return === null) continue;
    const list = puts.get(op.input.key);
    if (list) list.push(op);
    else puts.set(op.input.key, [op]);
  }
  const candidates: { read: MutableOp; stale: string }[] = [];
  for (const read of ops) {
    if (read.input.op !== 'get' || read.return === null) continue;
    const before = (puts.get(read.input.key) ?? []).filter((w) => w.return! < read.call);
    const w2 = before.reduce<MutableOp | undefined>((latest, w) => (latest === undefined || w.return! > latest.return! ? w : latest), undefined);
    if (w2 === undefined) continue;
    const w0 = before.filter((w) => w.return! < w2.call).at(-1);
    if (w0 === undefined || w0.input.op !== 'put' || w0.input.value === read.output) continue;
    candidates.push({ read, stale: w0.input.value });
  }
  const chosen = random.pick(candidates);
  if (chosen === undefined) return undefined;
  chosen.read.output = chosen.stale;
  return { id: chosen.read.id, key: chosen.read.input.key, staleValue: chosen.stale };
}
