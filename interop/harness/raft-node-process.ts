// Drives one raft server in its own process through the JSON-lines protocol
// that `shoal raft` and interop/raft-node (Go raft 1.1.2) share: events on
// stdout, `req`-numbered requests on stdin, one reply line per request. The
// implementation is chosen per server, so a test can mix kinds in a cluster.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './children.js';
import { EventLog } from './event-log.js';
import { buildGoProgram } from './go-build.js';

export type RaftImpl = 'go' | 'shoal';

export interface RaftPeer {
  id: string;
  /** HOST:PORT it advertises. */
  addr: string;
}

export interface RaftNodeOptions {
  impl: RaftImpl;
  id: string;
  /** HOST:PORT to listen on (a real port: raft advertises it, so :0 will not do; see freeLoopbackPorts). */
  bind: string;
  /** Its data directory; restart() reuses it. */
  dir: string;
  advertise?: string;
  /** Voters to bootstrap with when `dir` holds no state (ignored by the server otherwise). */
  bootstrap?: readonly RaftPeer[];
  snapshotThreshold?: number;
  trailingLogs?: number;
  snapshotIntervalMs?: number;
  /** Flags only one implementation understands, appended as given. */
  extraArgs?: readonly string[];
  /** How long start() and restart() wait for `ready` (the first start may build the Go program). */
  startTimeoutMs?: number;
  /** Default timeout of every request. */
  requestTimeoutMs?: number;
}

/** A stdout line with an `event` field. */
export interface RaftEvent {
  event: string;
  id?: string;
  addr?: string;
  /** On leader events: the leader's ID, or null when there is none. */
  leader?: string | null;
  term?: number;
  /** Wall-clock ms when the driver read the line. */
  t?: number;
  [key: string]: unknown;
}

export interface LeaderEvent extends RaftEvent {
  event: 'leader';
  leader: string | null;
  term: number;
}

export interface RaftNodeState {
  state: 'leader' | 'follower' | 'candidate' | 'shutdown';
  term: number;
  commit_index: number;
  applied_index: number;
  last_index: number;
  /** Commands the state machine holds. */
  applied: number;
  /** sha256 hex over each applied command followed by "\n". */
  digest: string;
}

export interface ConfigurationServer {
  id: string;
  addr: string;
  suffrage: 'voter' | 'nonvoter' | 'staging';
}

interface Reply {
  req: number | null;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A request the server answered with ok:false (the server's words in `message`). */
export class RaftRequestError extends Error {
  constructor(readonly id: string, readonly op: string, readonly serverError: string) {
    super(`${id}: ${op}: ${serverError}`);
  }
}

/** Spawns a server and resolves once it printed `ready`. */
export async function startRaftNode(options: RaftNodeOptions): Promise<RaftNodeProcess> {
  const node = new RaftNodeProcess(options);
  await node.restart();
  return node;
}

interface Launch {
  command: string;
  args: string[];
  cwd?: string;
}

/** The flags both implementations take (`shoal raft --help`, interop/raft-node/main.go). */
export function raftArgs(options: RaftNodeOptions): string[] {
  const args = ['--id', options.id, '--bind', options.bind, '--dir', options.dir];
  if (options.advertise) args.push('--advertise', options.advertise);
  if (options.bootstrap?.length) args.push('--bootstrap', options.bootstrap.map((p) => `${p.id}=${p.addr}`).join(','));
  if (options.snapshotThreshold !== undefined) args.push('--snapshot-threshold', String(options.snapshotThreshold));
  if (options.trailingLogs !== undefined) args.push('--trailing-logs', String(options.trailingLogs));
  if (options.snapshotIntervalMs !== undefined) args.push('--snapshot-interval-ms', String(options.snapshotIntervalMs));
  if (options.extraArgs) args.push(...options.extraArgs);
  return args;
}

async function launchFor(options: RaftNodeOptions): Promise<Launch> {
  const args = raftArgs(options);
  switch (options.impl) {
    case 'go':
      return { command: await buildGoProgram('raft-node', 'raft-node'), args };
    case 'shoal':
      return shoalRaftLaunch(args);
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI (`npx tsc -b` first): a server starts in a fraction of tsx's time. */
const SHOAL_BIN = join(ROOT, 'packages/cli/bin/shoal.js');

/** `shoal raft` (packages/cli/src/commands/raft.ts) from the built dist. */
function shoalRaftLaunch(args: string[]): Launch {
  if (!existsSync(join(ROOT, 'packages/cli/dist/run.js'))) {
    throw new Error("raft-node-process: impl 'shoal' runs packages/cli/dist; build it first (npx tsc -b)");
  }
  return { command: process.execPath, args: [SHOAL_BIN, 'raft', ...args], cwd: ROOT };
}

interface Pending {
  op: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One raft server, across its incarnations (restart() spawns a new process on the same directory). */
export class RaftNodeProcess {
  readonly options: RaftNodeOptions;
  /** Events of the current incarnation; replaced on restart(). */
  log: EventLog<RaftEvent>;
  /** How many times the process was spawned. */
  incarnation = 0;
  #child: ChildProcessWithoutNullStreams | undefined;
  #exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  #stderr = '';
  #nextReq = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(options: RaftNodeOptions) {
    this.options = options;
    this.log = new EventLog<RaftEvent>();
    this.log.close('not started');
  }

  get id(): string {
    return this.options.id;
  }

  get impl(): RaftImpl {
    return this.options.impl;
  }

  /** The address from its `ready` event. */
  get addr(): string {
    const ready = this.log.events.find((e) => e.event === 'ready');
    if (!ready?.addr) throw new Error(`${this.id}: not ready`);
    return ready.addr;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The tail of stderr (its logs), across incarnations. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Leader events of the current incarnation, in order. */
  get leaderEvents(): LeaderEvent[] {
    return this.log.events.filter((e): e is LeaderEvent => e.event === 'leader');
  }

  /** The leader this server last reported (undefined: none reported yet). */
  get leader(): string | null | undefined {
    return this.leaderEvents.at(-1)?.leader;
  }

  /**
   * Spawns the process on its directory (the first time, or after it exited)
   * and waits for `ready`.
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`${this.id}: restart() while still running (kill it first)`);
    const launch = await launchFor(this.options);
    const child = trackChild(spawn(launch.command, launch.args, { cwd: launch.cwd, stdio: 'pipe' }));
    const incarnation = ++this.incarnation;
    const label = `${this.impl} raft ${this.id}#${incarnation}`;
    const log = new EventLog<RaftEvent>(() => `${label} stderr tail: ${this.#stderr.slice(-1500)}`);
    this.#child = child;
    this.log = log;
    this.#stderr += `--- ${label} (pid ${child.pid}) ---\n`;
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(line, log));
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
      if (this.#stderr.length > 200_000) this.#stderr = this.#stderr.slice(-100_000);
    });
    // A dead child's stdin errors (EPIPE) on the next write; the exit handler reports it.
    child.stdin.on('error', () => {});
    this.#exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      const why = `${label} exited (${code ?? signal})`;
      log.close(why);
      if (this.#child === child) this.#failPending(why);
      resolve({ code, signal });
    }));
    try {
      await log.waitFor((e) => e.event === 'ready', this.options.startTimeoutMs ?? 30_000, `${label} ready`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  #onLine(line: string, log: EventLog<RaftEvent>): void {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      log.push({ event: 'unparsed', data: line, t: Date.now() });
      return;
    }
    if (typeof parsed.event === 'string') {
      log.push({ ...(parsed as RaftEvent), t: Date.now() });
      return;
    }
    if ('req' in parsed) {
      const reply = parsed as unknown as Reply;
      const pending = typeof reply.req === 'number' ? this.#pending.get(reply.req) : undefined;
      if (pending) {
        this.#pending.delete(reply.req!);
        clearTimeout(pending.timer);
        pending.resolve(reply);
      } else {
        // A reply to nothing we sent (or req:null for a line it could not parse).
        log.push({ event: 'stray-reply', data: line, t: Date.now() });
      }
      return;
    }
    log.push({ event: 'unparsed', data: line, t: Date.now() });
  }

  #failPending(why: string): void {
    for (const [req, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`${this.id}: ${pending.op} (req ${req}): ${why}`));
    }
    this.#pending.clear();
  }

  /** Sends one request and resolves with its reply (ok or not); rejects on timeout or exit. */
  request(op: string, fields: Record<string, unknown> = {}, timeoutMs = this.options.requestTimeoutMs ?? 10_000): Promise<Reply> {
    const child = this.#child;
    if (!child || !this.running) return Promise.reject(new Error(`${this.id}: ${op}: not running`));
    const req = this.#nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(req);
        reject(new Error(`${this.id}: ${op} (req ${req}) timed out after ${timeoutMs} ms; ${this.log.describe()}`));
      }, timeoutMs);
      this.#pending.set(req, { op, resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ ...fields, req, op })}\n`);
    });
  }

  async #ok(op: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<Reply> {
    const reply = await this.request(op, fields, timeoutMs);
    if (!reply.ok) throw new RaftRequestError(this.id, op, reply.error ?? '(no error text)');
    return reply;
  }

  /** Applies a command (on the leader); resolves with its log index once committed and applied. */
  async apply(data: string, timeoutMs?: number): Promise<number> {
    return (await this.#ok('apply', { data }, timeoutMs)).index as number;
  }

  async state(timeoutMs?: number): Promise<RaftNodeState> {
    const { req: _req, ok: _ok, ...state } = await this.#ok('state', {}, timeoutMs);
    return state as unknown as RaftNodeState;
  }

  async addVoter(id: string, addr: string, timeoutMs?: number): Promise<void> {
    await this.#ok('add_voter', { id, addr }, timeoutMs);
  }

  async remove(id: string, timeoutMs?: number): Promise<void> {
    await this.#ok('remove', { id }, timeoutMs);
  }

  /** Hands leadership to another voter: raft's choice, or the one given by id and addr. */
  async transfer(id?: string, addr?: string, timeoutMs?: number): Promise<void> {
    await this.#ok('transfer', id === undefined ? {} : { id, addr }, timeoutMs);
  }

  async snapshot(timeoutMs?: number): Promise<void> {
    await this.#ok('snapshot', {}, timeoutMs);
  }

  /** The servers of its latest configuration (committed or not), as it knows them. */
  async configuration(timeoutMs?: number): Promise<ConfigurationServer[]> {
    return (await this.#ok('configuration', {}, timeoutMs)).servers as ConfigurationServer[];
  }

  /** How many commands each snapshot this incarnation restored held (from `restored` events). */
  get restores(): number[] {
    return this.log.events.filter((e) => e.event === 'restored').map((e) => e.applied as number);
  }

  /** Resolves with the first leader event (seen or future) of this incarnation matching `predicate`. */
  waitForLeader(predicate: (e: LeaderEvent) => boolean = (e) => e.leader !== null, timeoutMs = 15_000, what = 'a leader'): Promise<LeaderEvent> {
    return this.log.waitFor((e) => e.event === 'leader' && predicate(e as LeaderEvent), timeoutMs, `${this.id} to report ${what}`) as Promise<LeaderEvent>;
  }

  /** Sends a signal and resolves once the process exited (SIGKILL: a crash; SIGTERM: clean shutdown, exit 0). */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', timeoutMs = 10_000): Promise<Exit> {
    const child = this.#child;
    if (!child || !this.running) return this.#exited;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.id}: no exit within ${timeoutMs} ms of ${signal}; ${this.log.describe()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For finally blocks: SIGTERM, then SIGKILL if it has not exited within 5 s. */
  async stop(): Promise<Exit> {
    try {
      return await this.kill('SIGTERM', 5000);
    } catch {
      return this.kill('SIGKILL');
    }
  }
}

/**
 * `n` distinct free TCP ports on 127.0.0.1: all are held open together (so
 * none repeats), then released for the servers to bind. Another process may
 * take one in between; on a test machine that is rare enough.
 */
export async function freeLoopbackPorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
