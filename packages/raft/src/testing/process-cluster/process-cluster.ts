/**
 * A raft cluster of one process per server, supervised by the caller's
 * process: starts and SIGKILLs servers, routes their RPCs (Router), knows who
 * leads from their state reports, and carries clients' KV commands to a
 * chosen server. For crash tests (crash.test.ts, bench/raft-crash-soak.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Timer } from '@shoal/kit';
import type { KvCommand } from '../../sim/kv-fsm.js';
import type { ClientReplyMessage, FromServer, ServerSpec } from './messages.js';
import { Router } from './router.js';
import { ServerProcess } from './server-process.js';

export interface ProcessClusterOptions {
  /** Server ids (also their addresses). */
  ids: readonly string[];
  /** Each server gets <baseDir>/<id>. */
  baseDir: string;
  clock: Clock;
  seed: number;
  rpcTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  snapshotThreshold?: number;
  trailingLogs?: number;
  /** Bound on a server's start (fork, tsx, opening its stores). */
  startTimeoutMs?: number;
}

/** What became of a command: an answer, a raft error, or nothing (no answer in time, or the server died). */
export type CommandOutcome =
  | { kind: 'ok'; output: string | null | boolean }
  | { kind: 'error'; code: string; leaderId: string | undefined }
  | { kind: 'lost' };

interface PendingCommand {
  server: ServerProcess;
  settle: (outcome: CommandOutcome) => void;
  timer: Timer;
}

export class ProcessCluster {
  readonly servers = new Map<string, ServerProcess>();
  readonly router: Router;
  readonly #clock: Clock;
  readonly #startTimeoutMs: number;
  readonly #pending = new Map<number, PendingCommand>();
  #nextOpId = 1;

  constructor(options: ProcessClusterOptions) {
    this.#clock = options.clock;
    this.#startTimeoutMs = options.startTimeoutMs ?? 20_000;
    this.router = new Router(this.servers);
    const events = { onMessage: (s: ServerProcess, m: FromServer) => this.#onMessage(s, m), onExit: (s: ServerProcess) => this.#onExit(s) };
    options.ids.forEach((id, i) => {
      const dir = join(options.baseDir, id);
      mkdirSync(dir, { recursive: true });
      const spec: Omit<ServerSpec, 'seed'> = {
        id,
        dir,
        servers: [...options.ids],
        rpcTimeoutMs: options.rpcTimeoutMs ?? 500,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 300,
        snapshotThreshold: options.snapshotThreshold ?? 64,
        trailingLogs: options.trailingLogs ?? 32,
      };
      this.servers.set(id, new ServerProcess(spec, options.seed * 10 + i, this.#clock, events));
    });
  }

  server(id: string): ServerProcess {
    const s = this.servers.get(id);
    if (s === undefined) throw new Error(`no server ${id}`);
    return s;
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.start(this.#startTimeoutMs)));
  }

  start(id: string): Promise<void> {
    return this.server(id).start(this.#startTimeoutMs);
  }

  kill(id: string): Promise<void> {
    return this.server(id).kill(5000);
  }

  /** SIGKILLs every server (ends a run; also on failure). */
  async killAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.kill(5000)));
  }

  /** The ready server that last said it leads, with the highest term; undefined when none does. */
  leader(): ServerProcess | undefined {
    let best: ServerProcess | undefined;
    for (const s of this.servers.values()) {
      if (!s.ready || s.state !== 'Leader') continue;
      if (best === undefined || s.term > best.term) best = s;
    }
    return best;
  }

  ready(): ServerProcess[] {
    return [...this.servers.values()].filter((s) => s.ready);
  }

  /** Waits (polling, bounded) until some server leads. */
  async waitForLeader(timeoutMs: number): Promise<ServerProcess> {
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      const leader = this.leader();
      if (leader !== undefined) return leader;
      if (this.#clock.now() >= deadline) throw new Error(`no leader within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => this.#clock.after(20, resolve));
    }
  }

  /**
   * Sends a KV command to server `id`. The server itself gives up after
   * `timeoutMs`; the parent waits a little longer for its answer, then calls
   * the command lost.
   */
  command(id: string, cmd: KvCommand, timeoutMs: number): Promise<CommandOutcome> {
    const server = this.server(id);
    const opId = this.#nextOpId++;
    return new Promise<CommandOutcome>((resolve) => {
      const settle = (outcome: CommandOutcome): void => {
        const pending = this.#pending.get(opId);
        if (pending === undefined) return;
        this.#pending.delete(opId);
        pending.timer.cancel();
        resolve(outcome);
      };
      const timer = this.#clock.after(timeoutMs + 500, () => settle({ kind: 'lost' }));
      this.#pending.set(opId, { server, settle, timer });
      if (!server.send({ type: 'client', opId, cmd, timeoutMs })) settle({ kind: 'error', code: 'ERR_SERVER_DOWN', leaderId: undefined });
    });
  }

  #onMessage(server: ServerProcess, message: FromServer): void {
    switch (message.type) {
      case 'rpc':
        this.router.request(server, message);
        break;
      case 'rpc-reply':
        this.router.reply(message);
        break;
      case 'client-reply':
        this.#onClientReply(message);
        break;
      default:
        break;
    }
  }

  #onClientReply(message: ClientReplyMessage): void {
    const pending = this.#pending.get(message.opId);
    if (pending === undefined) return;
    if (message.error !== undefined) pending.settle({ kind: 'error', code: message.error.code, leaderId: message.error.leaderId });
    else pending.settle({ kind: 'ok', output: message.output ?? null });
  }

  #onExit(server: ServerProcess): void {
    this.router.forget(server);
    // Its clients will never hear back: whatever they sent may or may not have happened.
    for (const pending of [...this.#pending.values()]) if (pending.server === server) pending.settle({ kind: 'lost' });
  }
}
