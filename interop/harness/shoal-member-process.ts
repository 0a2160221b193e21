// Drives `shoal member` (one shoal node in its own process, run from source):
// JSON events in, stdin commands out, and signals for leave (SIGTERM) and
// crash (SIGKILL).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackChild } from './children.js';
import { EventLog, type MemberEvent } from './event-log.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const RUN = new URL('../../packages/cli/src/run.ts', import.meta.url).pathname;

export interface ShoalMemberOptions {
  name: string;
  bind?: string;
  join?: string[];
  profile?: 'lan' | 'wan' | 'local';
  /** Base64 secret key: encryption on. */
  key?: string;
  meta?: string;
  state?: string;
  /** `--transport quic` with these TLS files. */
  quicTls?: { caFile: string; certFile: string; keyFile: string };
}

export class ShoalMemberProcess {
  readonly name: string;
  readonly log: EventLog<MemberEvent>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcessWithoutNullStreams;
  #stderr = '';

  private constructor(name: string, child: ChildProcessWithoutNullStreams) {
    this.name = name;
    this.#child = child;
    this.log = new EventLog<MemberEvent>(() => `shoal member ${name} stderr tail: ${this.#stderr.slice(-1500)}`);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: MemberEvent;
      try {
        event = JSON.parse(line) as MemberEvent;
      } catch {
        event = { event: 'unparsed', data: line };
      }
      this.log.push({ ...event, self: name });
    });
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
      if (this.#stderr.length > 200_000) this.#stderr = this.#stderr.slice(-100_000);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.log.close(`shoal member ${name} exited (${code ?? signal})`);
      resolve({ code, signal });
    }));
  }

  /**
   * Spawns the process and waits for its own join event (the first line it
   * prints) and, when it joins others, for the join to finish.
   */
  static async start(options: ShoalMemberOptions, timeoutMs = 30_000): Promise<ShoalMemberProcess> {
    const args = ['member', '--commands', '--name', options.name, '--bind', options.bind ?? '127.0.0.1:0', '--profile', options.profile ?? 'local'];
    if (options.join?.length) args.push('--join', options.join.join(','));
    if (options.key) args.push('--key', options.key);
    if (options.meta) args.push('--meta', options.meta);
    if (options.state) args.push('--state', options.state);
    if (options.quicTls) args.push('--transport', 'quic', '--tls-ca', options.quicTls.caFile, '--tls-cert', options.quicTls.certFile, '--tls-key', options.quicTls.keyFile);
    const child = trackChild(spawn(process.execPath, ['--conditions=source', '--import', 'tsx', RUN, ...args], { cwd: ROOT, stdio: 'pipe' }));
    const node = new ShoalMemberProcess(options.name, child);
    try {
      await node.log.waitFor((e) => e.event === 'join' && e.node === options.name, timeoutMs, `${options.name} to start`);
      if (options.join?.length) await node.log.waitFor((e) => e.event === 'joined', timeoutMs, `${options.name} to join ${options.join.join(',')}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return node;
  }

  get events(): MemberEvent[] {
    return this.log.events;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The address it advertises ("ip:port"), from its own join event. */
  get addr(): string {
    return this.events.find((e) => e.event === 'join' && e.node === this.name)!.addr!;
  }

  waitFor(predicate: (e: MemberEvent) => boolean, timeoutMs: number, what: string): Promise<MemberEvent> {
    return this.log.waitFor(predicate, timeoutMs, what);
  }

  /** Sends a stdin command and waits for its reply event (or an error for it) printed after it. */
  async request(command: string, replyEvent: string, timeoutMs = 10_000): Promise<MemberEvent> {
    const seen = this.events.length;
    this.#child.stdin.write(`${command}\n`);
    return this.log.waitFor((e) => e.event === replyEvent || (e.event === 'error' && e.command === command), timeoutMs, `${replyEvent} in reply to '${command}'`, seen);
  }

  async memberNames(): Promise<string[]> {
    const reply = await this.request('members', 'members');
    if (reply.event === 'error') throw new Error(`members: ${reply.error}`);
    return (reply.members as { name: string }[]).map((m) => m.name).sort();
  }

  /** SIGTERM: leaves gracefully, then exits 0. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.#child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: a crash, with no leave message. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.#child.kill('SIGKILL');
    return this.exited;
  }

  /** For finally blocks: ends the process however it is (no leave). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    await this.kill();
  }
}
