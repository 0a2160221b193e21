/**
 * Clients of a ProcessCluster, in the parent: each runs one KV operation at
 * a time against the server it believes leads (following NotLeader hints)
 * and records it in a history in `shoal lincheck`'s format. An operation
 * that certainly did not happen (a refusal before it reached the log, or a
 * failed get) is left out; one whose outcome is unknown (no answer, a dead
 * server, a timeout after it was logged) is kept with `return: null`.
 * Values are unique, so the final check can tell which write a value came from.
 * A few keys only ever get appends: every acknowledged write to them must
 * survive to the end, whatever came after it. They are replaced by fresh
 * ones every few seconds, so no key's history (and value) grows past what
 * the linearizability checker can search.
 */
import type { Clock, Random } from '@shoal/kit';
import type { KvCommand } from '../../sim/kv-fsm.js';
import type { HistoryOp } from '../../sim/sim-clients.js';
import type { ProcessCluster } from './process-cluster.js';

export interface ProcessClientOptions {
  clients: number;
  /** Keys k0.. take every kind of operation. */
  keys: number;
  /** This many keys at a time take only appends and gets. */
  appendOnlyKeys: number;
  /** How long a set of append-only keys is used before the next (default 5000 ms). */
  appendOnlyKeyMs?: number;
  /** Each operation's time limit on the server. */
  opTimeoutMs: number;
}

export interface ProcessClientStats {
  ok: number;
  failed: number;
  unknown: number;
}

/** Raft errors after which the operation certainly never took effect. */
const DEFINITE = new Set(['ERR_NOT_LEADER', 'ERR_ENQUEUE_TIMEOUT', 'ERR_LEADERSHIP_TRANSFER_IN_PROGRESS', 'ERR_SERVER_DOWN']);

export class ProcessClients {
  readonly history: HistoryOp[] = [];
  readonly stats: ProcessClientStats = { ok: 0, failed: 0, unknown: 0 };
  readonly #cluster: ProcessCluster;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #options: ProcessClientOptions;
  readonly #lastSeen = new Map<string, string | null>();
  readonly #appendOnlyUsed = new Set<string>();
  readonly #startMs: number;
  #valueSeq = 0;

  constructor(cluster: ProcessCluster, clock: Clock, random: Random, options: ProcessClientOptions) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#random = random;
    this.#options = options;
    this.#startMs = clock.now();
  }

  /** Runs every client until `endMs` on the clock; resolves when all have stopped. */
  async run(endMs: number): Promise<void> {
    await Promise.all(Array.from({ length: this.#options.clients }, (_, c) => this.#client(c, endMs)));
  }

  /**
   * Reads `key` through the leader as client `client`, retrying until an
   * answer or `deadlineMs`; the read goes into the history too.
   */
  async finalRead(client: number, key: string, deadlineMs: number): Promise<string | null> {
    let hint: string | undefined;
    while (this.#clock.now() < deadlineMs) {
      const reply = await this.#perform(client, { op: 'get', key }, hint);
      if (reply.done) return reply.output as string | null;
      hint = reply.hint;
      await this.#sleep(50);
    }
    throw new Error(`could not read ${key} through a leader before the deadline`);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.after(ms, resolve));
  }

  /** Every key the clients use, for the final reads. */
  get keys(): string[] {
    const mixed = Array.from({ length: this.#options.keys }, (_, k) => `k${k}`);
    return [...mixed, ...this.#appendOnlyUsed];
  }

  #pickOp(): KvCommand {
    const r = this.#random;
    if (this.#options.appendOnlyKeys > 0 && r.chance(0.25)) {
      const epoch = Math.floor((this.#clock.now() - this.#startMs) / (this.#options.appendOnlyKeyMs ?? 5000));
      const key = `log${epoch}.${r.int(this.#options.appendOnlyKeys)}`;
      this.#appendOnlyUsed.add(key);
      return r.chance(0.3) ? { op: 'get', key } : { op: 'append', key, value: `v${++this.#valueSeq};` };
    }
    const key = `k${r.int(this.#options.keys)}`;
    const value = `v${++this.#valueSeq}`;
    const roll = r.float();
    if (roll < 0.35) return { op: 'get', key };
    if (roll < 0.6) return { op: 'put', key, value };
    if (roll < 0.85) return { op: 'append', key, value: `${value};` };
    // Expect the value last seen half the time, so some swaps succeed.
    const expect = r.chance(0.5) ? null : (this.#lastSeen.get(key) ?? null);
    return { op: 'cas', key, expect, value };
  }

  async #client(c: number, endMs: number): Promise<void> {
    let hint: string | undefined;
    while (this.#clock.now() < endMs) {
      const reply = await this.#perform(c, this.#pickOp(), hint);
      hint = reply.hint;
      await this.#sleep(reply.done ? this.#random.int(5) : this.#random.intBetween(20, 80));
    }
  }

  /** One attempt at one operation, recorded; says whether it was answered and whom to ask next. */
  async #perform(c: number, cmd: KvCommand, hint: string | undefined): Promise<{ done: boolean; output?: unknown; hint: string | undefined }> {
    const target = this.#choose(hint);
    if (target === undefined) {
      await this.#sleep(50);
      return { done: false, hint: undefined };
    }
    const entry: HistoryOp = { client: c, op: cmd.op, key: cmd.key, output: null, call: this.#clock.now(), return: null };
    if (cmd.op !== 'get') entry.value = cmd.value;
    if (cmd.op === 'cas') entry.expect = cmd.expect;
    const outcome = await this.#cluster.command(target, cmd, this.#options.opTimeoutMs);
    if (outcome.kind === 'ok') {
      entry.output = outcome.output;
      entry.return = this.#clock.now();
      this.stats.ok++;
      this.history.push(entry);
      if (cmd.op === 'get') this.#lastSeen.set(cmd.key, outcome.output as string | null);
      return { done: true, output: outcome.output, hint: target };
    }
    const definite = cmd.op === 'get' || (outcome.kind === 'error' && DEFINITE.has(outcome.code));
    if (definite) this.stats.failed++;
    else {
      this.stats.unknown++;
      this.history.push(entry);
    }
    return { done: false, hint: outcome.kind === 'error' && outcome.leaderId ? outcome.leaderId : undefined };
  }

  #choose(hint: string | undefined): string | undefined {
    const ready = this.#cluster.ready();
    const hinted = ready.find((s) => s.id === hint);
    if (hinted !== undefined) return hinted.id;
    return this.#cluster.leader()?.id ?? this.#random.pick(ready)?.id;
  }
}
