// Three `shoal agent --server --bootstrap-expect 3` processes on loopback,
// each on its own data directory and fixed ports, for the crash tests: find
// the leader, SIGKILL a server and start it again on the same directory and
// ports, with --join to the others. Every wait is bounded; every process
// ever started is SIGKILLed when the parent exits, however it exits. Not
// shipped (test support).
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { spawnShoal, type ShoalProcess } from './shoal-process.js';

const living = new Set<ShoalProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of living) p.child.kill('SIGKILL');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- ports -------------------------------------------------------------------

/** The lowest port the kernel hands out for outgoing connections: ports below it are never taken by one. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createTcpServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * `count` ports free for TCP and UDP on 127.0.0.1, below the ephemeral range:
 * a server that was killed gets its ports back when it restarts, since no
 * outgoing connection of any process can have taken them meanwhile.
 */
export async function freePorts(count: number): Promise<number[]> {
  const high = ephemeralLow();
  const low = Math.max(10_000, high - 12_000);
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 500) throw new Error('no free ports found');
    const port = low + Math.floor(Math.random() * (high - low));
    if (ports.includes(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) ports.push(port);
  }
  return ports;
}

// ---- plain HTTP -----------------------------------------------------------------

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Why a request got no answer. `refused`: the connection was refused, so the
 * agent never saw the request (nothing can have happened). `lost`: it may
 * have arrived (reset, timeout, the process died while it worked).
 */
export class NoAnswerError extends Error {
  constructor(
    readonly kind: 'refused' | 'lost',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request on its own connection (no keep-alive: a request never goes out
 * on a socket the agent may have closed already, so a refused connection
 * really means the request was not sent). Rejects with NoAnswerError.
 */
export function httpCall(address: string, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = httpRequest({ host, port: Number(port), method, path, agent: false, headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) } });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(new NoAnswerError('lost', error.message));
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new NoAnswerError(!connected && error.code === 'ECONNREFUSED' ? 'refused' : 'lost', `${method} ${address}${path}: ${error.message}`));
    });
    req.end(body);
  });
}

// ---- the cluster ----------------------------------------------------------------

export interface AgentClusterOptions {
  /** Data directories go under `root/<name>`. */
  readonly root: string;
  /** Default s1, s2, s3. */
  readonly names?: readonly string[];
  /** Client agents (no --server) to start too, named c1, c2...; the nemesis leaves them alone. Default 0. */
  readonly clientAgents?: number;
  /** Bound on a start (spawn, tsx, opening raft's stores). Default 45 s. */
  readonly startTimeoutMs?: number;
  /** Default warn. */
  readonly logLevel?: string;
  /** Run the built bin instead of the source (`npm run build` first). */
  readonly built?: boolean;
}

/** One agent process: a server, or a client agent (which has no raft address). */
export class AgentServer {
  readonly name: string;
  readonly server: boolean;
  readonly dataDir: string;
  readonly gossip: string;
  readonly raft: string;
  readonly http: string;
  process: ShoalProcess | undefined;
  /** From its ready line until it exits. */
  ready = false;
  starts = 0;
  /** Deaths nobody asked for: a crash, or a restart that failed. */
  unexpectedExits = 0;
  /** The standard error of every incarnation that ended, for failure messages. */
  readonly pastStderr: string[] = [];
  killRequested = false;

  constructor(name: string, dataDir: string, [gossip, raft, http]: number[], server = true) {
    this.name = name;
    this.server = server;
    this.dataDir = dataDir;
    this.gossip = `127.0.0.1:${gossip}`;
    this.raft = `127.0.0.1:${raft}`;
    this.http = `127.0.0.1:${http}`;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.child.exitCode === null && this.process.child.signalCode === null;
  }
}

export class AgentCluster {
  readonly servers: AgentServer[];
  readonly clientAgents: AgentServer[];
  readonly #options: AgentClusterOptions;
  #closed = false;

  private constructor(options: AgentClusterOptions, servers: AgentServer[], clientAgents: AgentServer[]) {
    this.#options = options;
    this.servers = servers;
    this.clientAgents = clientAgents;
  }

  /** Servers and client agents. */
  get agents(): AgentServer[] {
    return [...this.servers, ...this.clientAgents];
  }

  /** Starts every server (the first, then the others joining it) and waits for a leader they all agree on. */
  static async start(options: AgentClusterOptions): Promise<AgentCluster> {
    killAllOnExit();
    const names = options.names ?? ['s1', 's2', 's3'];
    const clientNames = Array.from({ length: options.clientAgents ?? 0 }, (_, i) => `c${i + 1}`);
    const ports = await freePorts((names.length + clientNames.length) * 3);
    const agent = (name: string, i: number, server: boolean): AgentServer => {
      const dir = join(options.root, name);
      mkdirSync(dir, { recursive: true });
      return new AgentServer(name, dir, ports.slice(i * 3, i * 3 + 3), server);
    };
    const servers = names.map((name, i) => agent(name, i, true));
    const clientAgents = clientNames.map((name, i) => agent(name, names.length + i, false));
    const cluster = new AgentCluster(options, servers, clientAgents);
    try {
      await cluster.#spawn(servers[0]!, []);
      await Promise.all([...servers.slice(1), ...clientAgents].map((s) => cluster.#spawn(s, [servers[0]!.gossip])));
      await cluster.waitForLeader(45_000);
    } catch (error) {
      await cluster.killAll();
      throw error;
    }
    return cluster;
  }

  server(name: string): AgentServer {
    const s = this.agents.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no server ${name}`);
    return s;
  }

  /** The servers that run and have said they are ready. */
  ready(): AgentServer[] {
    return this.servers.filter((s) => s.ready);
  }

  /** Agent processes that died by themselves. */
  get unexpectedExits(): number {
    return this.agents.reduce((n, s) => n + s.unexpectedExits, 0);
  }

  /**
   * The leader, if the running servers agree on one: each is asked
   * /v1/status/leader, and the answer must name a running server that names
   * itself. Undefined during an election or a disagreement.
   */
  async leader(): Promise<AgentServer | undefined> {
    const running = this.servers.filter((s) => s.ready);
    const answers = await Promise.all(
      running.map(async (s) => {
        try {
          const answer = await httpCall(s.http, 'GET', '/v1/status/leader', undefined, 3000);
          return answer.status === 200 ? (JSON.parse(answer.body) as string) : '';
        } catch {
          return '';
        }
      }),
    );
    const named = new Set(answers.filter((a) => a !== ''));
    if (named.size !== 1) return undefined;
    const leader = running.find((s) => s.raft === [...named][0]);
    if (leader === undefined) return undefined;
    // Every running server that answered at all names it (a restarted one may not know yet: '' is allowed).
    return answers[running.indexOf(leader)] === leader.raft ? leader : undefined;
  }

  /** Polls until a leader all running servers agree on; rejects after `timeoutMs`. */
  async waitForLeader(timeoutMs: number): Promise<AgentServer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = await this.leader();
      if (leader !== undefined) return leader;
      if (Date.now() >= deadline) throw new Error(`no leader within ${timeoutMs} ms${this.#stderrs()}`);
      await sleep(100);
    }
  }

  /** SIGKILLs a server and waits (bounded) for its process to be gone. */
  async kill(name: string): Promise<void> {
    const s = this.server(name);
    const p = s.process;
    s.ready = false;
    if (p === undefined || !s.running) return;
    s.killRequested = true;
    p.child.kill('SIGKILL');
    await withTimeout(p.exit, 10_000, `${name} did not exit after SIGKILL`);
  }

  /** Starts a stopped server again on the same directory and ports, joining the running others. */
  async restart(name: string): Promise<void> {
    const s = this.server(name);
    if (s.running) throw new Error(`${name} is running`);
    const seeds = this.agents.filter((o) => o !== s && o.ready).map((o) => o.gossip);
    await this.#spawn(s, seeds);
  }

  /** Once killAll() ran: nothing starts again. */
  get closed(): boolean {
    return this.#closed;
  }

  /** SIGKILLs every server (the end of a run, and on failure); no server starts after it. */
  async killAll(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.agents.map((s) => this.kill(s.name).catch(() => undefined)));
  }

  async #spawn(s: AgentServer, seeds: string[]): Promise<void> {
    if (this.#closed) throw new Error(`the cluster is closed: ${s.name} does not start`);
    const args = [
      'agent', '--name', s.name, '--data-dir', s.dataDir, ...(s.server ? ['--server', '--bootstrap-expect', String(this.servers.length), '--raft-bind', s.raft] : []),
      '--bind', s.gossip, '--http', s.http, '--profile', 'local', '--log-level', this.#options.logLevel ?? 'warn',
      ...(seeds.length > 0 ? ['--join', seeds.join(',')] : []),
    ];
    const startTimeoutMs = this.#options.startTimeoutMs ?? 45_000;
    const p = spawnShoal(args, { waitMs: startTimeoutMs, ...(this.#options.built ? { built: true } : {}) });
    living.add(p);
    s.process = p;
    s.killRequested = false;
    s.starts++;
    void p.exit.then(() => {
      living.delete(p);
      if (s.process === p) s.ready = false;
      s.pastStderr.push(p.stderr());
      if (!s.killRequested) s.unexpectedExits++;
    });
    const exitedEarly = p.exit.then((code) => Promise.reject(new Error(`${s.name} exited (${code}) before it was ready: ${p.stderr()}`)));
    exitedEarly.catch(() => undefined);
    const readyLine = p.until((e) => e.event === 'ready', `${s.name} ready`);
    readyLine.catch(() => undefined);
    const ready = await Promise.race([readyLine, exitedEarly]);
    if (ready.http !== s.http || ready.raft !== (s.server ? s.raft : undefined)) throw new Error(`${s.name} listens elsewhere than asked: ${JSON.stringify(ready)}`);
    s.ready = true;
  }

  #stderrs(): string {
    return this.agents.map((s) => `\n--- ${s.name} stderr:\n${[...s.pastStderr, s.running ? s.process!.stderr() : ''].join('\n--- (restarted)\n').slice(-4000)}`).join('');
  }

  /** Every server's standard error so far, for failure messages. */
  stderrs(): string {
    return this.#stderrs();
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- the nemesis --------------------------------------------------------------------

export interface LeaderKillerOptions {
  /** Pause before each kill, drawn in [min, max) ms. */
  readonly intervalMs: readonly [number, number];
  /** How long a killed server stays down, drawn in [min, max) ms. */
  readonly downMs: readonly [number, number];
  /** Chance that the victim is the leader rather than any running server. Default 1. */
  readonly leaderChance?: number;
  /** A server that must not be killed now (the agent a test talks to). */
  readonly spare?: () => string | undefined;
  /** Called after each kill, with the victim and whether it led. */
  readonly onKill?: (name: string, wasLeader: boolean) => void;
}

export interface LeaderKillerStats {
  kills: number;
  leaderKills: number;
  restarts: number;
}

/**
 * SIGKILLs a server every few seconds (the leader, or with `leaderChance` < 1
 * sometimes another) and restarts it on the same directory after a moment
 * down. One server is down at a time, so a quorum can always form again.
 */
export class LeaderKiller {
  readonly stats: LeaderKillerStats = { kills: 0, leaderKills: 0, restarts: 0 };
  readonly log: string[] = [];
  readonly #cluster: AgentCluster;
  readonly #options: LeaderKillerOptions;
  readonly #t0 = Date.now();
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(cluster: AgentCluster, options: LeaderKillerOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  /** Starts killing; `stop()` ends it with every server running again. */
  start(): void {
    if (this.#done !== undefined) return;
    this.#done = this.#run();
    // Awaited by stop(), which reports a failed restart; until then, not an unhandled rejection.
    this.#done.catch(() => undefined);
  }

  /** Stops after the current kill and restart; every server runs when it resolves. Rejects if a restart failed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
    for (const s of this.#cluster.servers) if (!s.running) await this.#restart(s.name);
  }

  /** Kills the leader once now (waiting, bounded, for there to be one) and restarts it after `downMs`. */
  async killLeaderOnce(downMs: number): Promise<string> {
    const leader = await this.#cluster.waitForLeader(30_000);
    await this.#kill(leader.name, true);
    await sleep(downMs);
    await this.#restart(leader.name);
    return leader.name;
  }

  async #run(): Promise<void> {
    while (!this.#stopping && !this.#cluster.closed) {
      await this.#sleepUnlessStopping(draw(this.#options.intervalMs));
      if (this.#stopping || this.#cluster.closed) break;
      const leader = await this.#cluster.leader();
      const aimAtLeader = Math.random() < (this.#options.leaderChance ?? 1);
      const spare = this.#options.spare?.();
      let victim: string | undefined;
      if (aimAtLeader) victim = leader?.name;
      else {
        const candidates = this.#cluster.ready().filter((s) => s.name !== spare);
        victim = candidates[Math.floor(Math.random() * candidates.length)]?.name;
      }
      if (victim === undefined || victim === spare || this.#cluster.ready().length < this.#cluster.servers.length) continue;
      await this.#kill(victim, victim === leader?.name);
      await sleep(draw(this.#options.downMs));
      await this.#restart(victim);
    }
  }

  async #kill(name: string, wasLeader: boolean): Promise<void> {
    this.#note(`kill ${name}${wasLeader ? ' (leader)' : ''}`);
    await this.#cluster.kill(name);
    this.stats.kills++;
    if (wasLeader) this.stats.leaderKills++;
    this.#options.onKill?.(name, wasLeader);
  }

  async #restart(name: string): Promise<void> {
    this.#note(`start ${name}`);
    await this.#cluster.restart(name);
    this.stats.restarts++;
    this.#note(`${name} ready`);
  }

  async #sleepUnlessStopping(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.#stopping && !this.#cluster.closed && Date.now() < end) await sleep(Math.min(100, end - Date.now()));
  }

  #note(what: string): void {
    this.log.push(`+${Date.now() - this.#t0}ms ${what}`);
  }
}

function draw([min, max]: readonly [number, number]): number {
  return min + Math.floor(Math.random() * Math.max(1, max - min));
}
