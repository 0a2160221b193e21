// Concurrent KV clients on the agents' HTTP API, recorded as a history for
// `shoal lincheck` (its kv model), and the checks on that history: the
// crash test of the agent (commands/agent-crash.test.ts) and its soak
// (bench/agent-crash-soak.ts). Not shipped (test support).
//
// Each client runs one operation at a time on a random key, sent to a random
// agent: a server, up or down (a follower forwards writes to the leader and
// confirms the leader's read index before a read), or a client agent (which
// forwards the request to a server). Reads use the default consistency,
// which is linearizable, never ?stale:
//
//   get  GET /v1/kv/<k>: 200 → the value, 404 → null.
//   put  PUT /v1/kv/<k> with a value no other write uses → true.
//   cas  GET /v1/kv/<k> (recorded as a get), then PUT /v1/kv/<k>?cas=<the
//        ModifyIndex read> (?cas=0 when the key was absent) with a fresh value;
//        recorded as the model's cas with `expect` = the value read (null when
//        absent). This is sound because every write writes a value no other
//        write uses, and nothing but these writes touches the keys (no
//        deletes, locks or sessions): a key's value then names the one write
//        that set it, and its ModifyIndex is that write's raft index, so
//        "ModifyIndex still equals the index read" holds exactly when "the
//        value still equals the value read". (A write applied twice would
//        break the equivalence, and the history would then not be
//        linearizable: rightly, since a write must take effect once.)
//        ?cas=0 creates only: the key must be absent, as `expect: null` says.
//
// Outcomes: an answer is recorded with its return time. A connection that was
// refused never carried the request, so that operation never happened and is
// left out. Any other failure of a write (a 5xx, a reset, a timeout) is kept
// with `return: null` — it may have taken effect, at any time after its call.
// A server answers every failure of a write with 500 "No cluster leader"
// (http/write.ts), whether the leader refused it before raft saw it
// (ERR_NOT_LEADER, ERR_NO_LEADER) or its outcome is unknown
// (ERR_FORWARD_OUTCOME_UNKNOWN, ERR_LEADERSHIP_LOST, a timeout), so a client
// cannot tell the two apart and must not guess. A client agent's 503 does
// mean that no server took the request (real-http-forwarder.ts), and its 502
// that one did; both are counted as unknown all the same: calling a write
// that never happened "unknown" only weakens the check, never fools it. A
// failed read changes nothing and is left out. Any 4xx, or an answer that is
// not what the API promises, is an error of the run.
import type { HistoryOp } from '@shoal/raft/sim';
import { spawnShoal } from './shoal-process.js';
import { type AgentCluster, httpCall, NoAnswerError } from './agent-cluster.js';

/** One operation in `shoal lincheck`'s format (raft's simulated clients write the same), without appends. */
export type KvHistoryOp = HistoryOp & { op: 'get' | 'put' | 'cas' };

export interface KvWorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** How long a client waits for one answer before it counts the operation as lost. */
  readonly opTimeoutMs: number;
}

export interface KvWorkloadStats {
  /** Answered. */
  ok: number;
  /** Certainly not done: refused connections, failed reads. */
  failed: number;
  /** Writes whose outcome is unknown (in the history with return: null). */
  unknown: number;
  /** Answered writes (puts, and cas that swapped or not). */
  writesOk: number;
  /** Answered cas that swapped. */
  casSwapped: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface KvEntryJson {
  Value: string | null;
  ModifyIndex: number;
}

type ReadOutcome = { kind: 'ok'; value: string | null; modifyIndex: number } | { kind: 'failed'; why: string };

export class KvWorkload {
  readonly history: KvHistoryOp[] = [];
  readonly stats: KvWorkloadStats = { ok: 0, failed: 0, unknown: 0, writesOk: 0, casSwapped: 0 };
  /** Answers the API does not allow (each is a bug, or a broken test). */
  readonly errors: string[] = [];
  /** Why operations failed, counted ("500 No cluster leader", "refused", ...). */
  readonly failures = new Map<string, number>();
  readonly #cluster: AgentCluster;
  readonly #options: KvWorkloadOptions;
  readonly #t0 = performance.now();
  #seq = 0;

  constructor(cluster: AgentCluster, options: KvWorkloadOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  get keys(): string[] {
    return Array.from({ length: this.#options.keys }, (_, k) => `crash/k${k}`);
  }

  /** Runs every client until `endMs` (Date.now()); resolves when all have stopped. */
  async run(endMs: number): Promise<void> {
    await Promise.all(Array.from({ length: this.#options.clients }, (_, c) => this.#client(c, endMs)));
  }

  /**
   * Reads every key through some server, retrying until an answer or
   * `deadlineMs`, as client `clients` (one more than the workers); the reads
   * go into the history too, so they are checked with the rest.
   */
  async finalReads(deadlineMs: number): Promise<Map<string, string | null>> {
    const finals = new Map<string, string | null>();
    const client = this.#options.clients;
    for (const key of this.keys) {
      for (let attempt = 0; ; attempt++) {
        if (Date.now() > deadlineMs) throw new Error(`could not read ${key} before the deadline`);
        const servers = this.#cluster.ready();
        const target = servers[attempt % Math.max(1, servers.length)];
        if (target !== undefined) {
          const read = await this.#get(client, target.http, key);
          if (read.kind === 'ok') {
            finals.set(key, read.value);
            break;
          }
        }
        await sleep(200);
      }
    }
    return finals;
  }

  #now(): number {
    return Math.round((performance.now() - this.#t0) * 1000) / 1000;
  }

  #fail(why: string): void {
    this.stats.failed++;
    this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
  }

  /** Any agent: a server (which may be down, or the leader, or not), or a client agent. */
  #target(): string {
    const agents = this.#cluster.agents;
    return agents[Math.floor(Math.random() * agents.length)]!.http;
  }

  async #client(c: number, endMs: number): Promise<void> {
    while (Date.now() < endMs) {
      const key = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      const roll = Math.random();
      let done: boolean;
      if (roll < 0.4) done = (await this.#get(c, this.#target(), key)).kind === 'ok';
      else if (roll < 0.7) done = await this.#put(c, this.#target(), key);
      else done = await this.#cas(c, key);
      // Back off a little after a failure: an election takes a second or two.
      await sleep(done ? Math.floor(Math.random() * 5) : 50 + Math.floor(Math.random() * 100));
    }
  }

  #value(c: number): string {
    return `c${c}-${++this.#seq}`;
  }

  async #get(c: number, target: string, key: string): Promise<ReadOutcome> {
    const call = this.#now();
    let answer;
    try {
      answer = await httpCall(target, 'GET', `/v1/kv/${key}`, undefined, this.#options.opTimeoutMs);
    } catch (error) {
      const why = error instanceof NoAnswerError ? error.kind : 'error';
      this.#fail(`get: ${why}`);
      return { kind: 'failed', why };
    }
    let value: string | null;
    let modifyIndex = 0;
    if (answer.status === 404) value = null;
    else if (answer.status === 200) {
      const entries = JSON.parse(answer.body) as KvEntryJson[];
      if (entries.length !== 1) {
        this.errors.push(`GET ${key} answered ${entries.length} entries: ${answer.body}`);
        return { kind: 'failed', why: 'bad answer' };
      }
      value = entries[0]!.Value === null ? '' : Buffer.from(entries[0]!.Value, 'base64').toString('utf8');
      modifyIndex = entries[0]!.ModifyIndex;
    } else {
      if (answer.status < 500) this.errors.push(`GET ${key} answered ${answer.status}: ${answer.body}`);
      this.#fail(`get: ${answer.status} ${answer.body.trim().slice(0, 60)}`);
      return { kind: 'failed', why: String(answer.status) };
    }
    this.history.push({ client: c, op: 'get', key, output: value, call, return: this.#now() });
    this.stats.ok++;
    return { kind: 'ok', value, modifyIndex };
  }

  async #put(c: number, target: string, key: string): Promise<boolean> {
    const value = this.#value(c);
    return this.#write(c, target, { client: c, op: 'put', key, value, output: null, call: 0, return: null }, `/v1/kv/${key}`);
  }

  async #cas(c: number, key: string): Promise<boolean> {
    const read = await this.#get(c, this.#target(), key);
    if (read.kind !== 'ok') return false;
    const value = this.#value(c);
    const index = read.value === null ? 0 : read.modifyIndex;
    return this.#write(c, this.#target(), { client: c, op: 'cas', key, value, expect: read.value, output: null, call: 0, return: null }, `/v1/kv/${key}?cas=${index}`);
  }

  /** Sends a write and records it: answered, unknown (return null), or left out when the connection was refused. */
  async #write(c: number, target: string, entry: KvHistoryOp, path: string): Promise<boolean> {
    entry.call = this.#now();
    let answer;
    try {
      answer = await httpCall(target, 'PUT', path, entry.value, this.#options.opTimeoutMs);
    } catch (error) {
      if (error instanceof NoAnswerError && error.kind === 'refused') {
        this.#fail(`${entry.op}: refused`);
        return false;
      }
      this.#unknown(entry, `${entry.op}: ${error instanceof NoAnswerError ? error.kind : 'error'}`);
      return false;
    }
    if (answer.status !== 200) {
      if (answer.status < 500) this.errors.push(`PUT ${path} answered ${answer.status}: ${answer.body}`);
      this.#unknown(entry, `${entry.op}: ${answer.status} ${answer.body.trim().slice(0, 60)}`);
      return false;
    }
    const body = answer.body.trim();
    if (body !== 'true' && body !== 'false') {
      this.errors.push(`PUT ${path} answered 200 with ${answer.body}`);
      return false;
    }
    if (entry.op === 'put') {
      // A plain set always succeeds.
      if (body !== 'true') this.errors.push(`PUT ${path} (no cas) answered false`);
      entry.output = null;
    } else {
      entry.output = body === 'true';
      if (entry.output) this.stats.casSwapped++;
    }
    entry.return = this.#now();
    this.history.push(entry);
    this.stats.ok++;
    this.stats.writesOk++;
    return true;
  }

  #unknown(entry: KvHistoryOp, why: string): void {
    entry.output = null;
    entry.return = null;
    this.history.push(entry);
    this.stats.unknown++;
    this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
  }
}

/** The history as a file `shoal lincheck` reads. */
export function historyJson(history: readonly KvHistoryOp[]): string {
  return `[\n${history.map((op) => JSON.stringify(op)).join(',\n')}\n]\n`;
}

/**
 * Acknowledged writes (puts, and cas that swapped) that the final value of
 * their key does not account for: it is neither their value nor that of
 * another write to the key that may have taken effect after them (one that
 * did not return before they were called). Values are unique, so the final
 * value names the write it came from.
 */
export function missingAcknowledgedWrites(history: readonly KvHistoryOp[], finals: ReadonlyMap<string, string | null>): KvHistoryOp[] {
  const mayOverwrite = (o: KvHistoryOp): boolean => o.op === 'put' || (o.op === 'cas' && (o.return === null || o.output === true));
  const missing: KvHistoryOp[] = [];
  for (const op of history) {
    if (op.return === null || op.op === 'get' || (op.op === 'cas' && op.output !== true)) continue;
    if (!finals.has(op.key) || finals.get(op.key) === op.value) continue;
    const superseded = history.some((o) => o !== op && o.key === op.key && mayOverwrite(o) && (o.return === null || o.return > op.call));
    if (!superseded) missing.push(op);
  }
  return missing;
}

export interface LincheckRun {
  /** 0 linearizable, 1 not, 2 bad input, 3 undecided. */
  readonly exit: number | null;
  /** `shoal lincheck --json`'s report. */
  readonly report: Record<string, unknown> | undefined;
  readonly stderr: string;
}

/** Runs `shoal lincheck --json FILE` (a process, as a user would). */
export async function runLincheck(file: string, timeoutMs: number, options: { built?: boolean } = {}): Promise<LincheckRun> {
  const p = spawnShoal(['lincheck', '--json', '--timeout-ms', String(timeoutMs), file], { waitMs: timeoutMs + 60_000, ...(options.built ? { built: true } : {}) });
  const killer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs + 60_000);
  try {
    const exit = await p.exit;
    return { exit, report: p.events[0], stderr: p.stderr() };
  } finally {
    clearTimeout(killer);
  }
}
