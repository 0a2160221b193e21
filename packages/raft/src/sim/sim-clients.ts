/**
 * Simulated clients: each runs one operation at a time against the server it
 * believes leads (following NotLeaderError hints), records what it saw in a
 * history for the linearizability checker, and classifies failures. A
 * failure that proves the operation never took effect is left out of the
 * history; one whose outcome is unknown is kept with `return: null`.
 */
import type { Random } from '@shoal/kit';
import type { Simulation } from '@shoal/sim';
import { NotLeaderError } from '../errors.js';
import { encodeKvCommand } from './kv-fsm.js';
import type { KvCommand } from './kv-fsm.js';
import type { KvFsm } from './kv-fsm.js';
import type { ClusterServer } from '../testing/cluster-server.js';

type SimServer = ClusterServer<KvFsm>;

/** One operation in the history file format of `shoal lincheck`. */
export interface HistoryOp {
  client: number;
  op: 'get' | 'put' | 'append' | 'cas';
  key: string;
  value?: string;
  expect?: string | null;
  output: string | null | boolean;
  call: number;
  return: number | null;
}

export interface ClientOptions {
  clients: number;
  keys: number;
  /** Give each operation this long (virtual ms). */
  timeoutMs: number;
  /** Fraction of gets served from the leader's lease (needs leaseReads). */
  leaseReadFraction: number;
  /** Fraction of gets that go through the log instead of readIndex. */
  logReadFraction: number;
}

export interface ClientStats {
  ok: number;
  failed: number;
  unknown: number;
}

/** Errors after which the operation certainly did not happen. */
const DEFINITE = new Set(['ERR_NOT_LEADER', 'ERR_ENQUEUE_TIMEOUT', 'ERR_LEADERSHIP_TRANSFER_IN_PROGRESS']);

export class SimClients {
  readonly history: HistoryOp[] = [];
  readonly stats: ClientStats = { ok: 0, failed: 0, unknown: 0 };
  readonly #sim: Simulation;
  readonly #servers: readonly SimServer[];
  readonly #random: Random;
  readonly #options: ClientOptions;
  #valueSeq = 0;

  constructor(sim: Simulation, servers: readonly SimServer[], random: Random, options: ClientOptions) {
    this.#sim = sim;
    this.#servers = servers;
    this.#random = random;
    this.#options = options;
  }

  /** Runs every client until virtual time `endMs`; resolves when all have stopped. */
  run(endMs: number): Promise<void> {
    return Promise.all(Array.from({ length: this.#options.clients }, (_, c) => this.#client(c, endMs))).then(() => undefined);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sim.after(ms, resolve));
  }

  #pickOp(): KvCommand {
    const r = this.#random;
    const key = `k${r.int(this.#options.keys)}`;
    const value = `v${++this.#valueSeq}`;
    const roll = r.float();
    if (roll < 0.4) return { op: 'get', key };
    if (roll < 0.65) return { op: 'put', key, value };
    if (roll < 0.85) return { op: 'append', key, value: `${value};` };
    // Expect a recent value half the time, so some swaps succeed.
    const expect = r.chance(0.5) ? null : `v${Math.max(1, this.#valueSeq - 1 - r.int(5))}`;
    return { op: 'cas', key, expect, value };
  }

  async #client(c: number, endMs: number): Promise<void> {
    let leaderHint: string | undefined;
    while (this.#sim.now() < endMs) {
      const cmd = this.#pickOp();
      const server = this.#choose(leaderHint);
      if (server === undefined) {
        await this.#sleep(10);
        continue;
      }
      const call = this.#sim.now();
      const entry: HistoryOp = { client: c, op: cmd.op, key: cmd.key, output: null, call, return: null };
      if (cmd.op !== 'get') entry.value = cmd.value;
      if (cmd.op === 'cas') entry.expect = cmd.expect;
      try {
        entry.output = await this.#execute(server, cmd);
        entry.return = this.#sim.now();
        this.stats.ok++;
        this.history.push(entry);
        leaderHint = server.id;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (err instanceof NotLeaderError) leaderHint = this.#servers.find((s) => s.address === err.leaderAddress)?.id;
        else leaderHint = undefined;
        if (cmd.op === 'get' || DEFINITE.has(code)) this.stats.failed++;
        else {
          this.stats.unknown++;
          this.history.push(entry);
        }
        await this.#sleep(this.#random.intBetween(5, 30));
      }
      await this.#sleep(this.#random.int(10));
    }
  }

  #choose(hint: string | undefined): SimServer | undefined {
    const up = this.#servers.filter((s) => s.up);
    const hinted = up.find((s) => s.id === hint);
    return hinted ?? this.#random.pick(up);
  }

  /** The operation, bounded on the simulation's own clock (a crashed server's timers never fire). */
  #execute(server: SimServer, cmd: KvCommand): Promise<string | null | boolean> {
    return new Promise((resolve, reject) => {
      const timer = this.#sim.after(this.#options.timeoutMs + 50, () => reject(new Error('client deadline passed')));
      this.#attempt(server, cmd).then(
        (v) => (timer.cancel(), resolve(v)),
        (e: unknown) => (timer.cancel(), reject(e)),
      );
    });
  }

  async #attempt(server: SimServer, cmd: KvCommand): Promise<string | null | boolean> {
    const raft = server.running;
    if (raft === undefined) throw new NotLeaderError();
    const fsm = server.fsm;
    const timeoutMs = this.#options.timeoutMs;
    if (cmd.op === 'get' && !this.#random.chance(this.#options.logReadFraction)) {
      await raft.readIndex({ timeoutMs, lease: this.#random.chance(this.#options.leaseReadFraction) });
      // Read right away: the FSM has applied at least the read index.
      return fsm.get(cmd.key);
    }
    const result = await raft.apply(encodeKvCommand(cmd), { timeoutMs });
    return result.response as string | null | boolean;
  }
}
