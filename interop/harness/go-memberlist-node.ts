// Drives interop/memberlist-node (Go memberlist 0.2.2 nodes in a child process):
// JSON events in, text commands out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildGoProgram } from './go-build.js';

export interface GoEvent {
  event: string;
  self?: string;
  node?: string;
  addr?: string;
  meta?: string;
  data?: string;
  error?: string;
  [key: string]: unknown;
}

export interface GoNodeOptions {
  name: string;
  bind: string;
  join?: string[];
  profile?: 'lan' | 'wan' | 'local';
  key?: string;
  compression?: boolean;
  meta?: string;
  state?: string;
  nodes?: number;
}

export class GoMemberlistNode {
  readonly events: GoEvent[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiters = new Set<() => void>();
  #stderr = '';
  #exited: Promise<number | null>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as GoEvent);
      } catch {
        this.events.push({ event: 'unparsed', data: line });
      }
      for (const w of this.#waiters) w();
    });
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => child.on('exit', (code) => {
      for (const w of this.#waiters) w();
      resolve(code);
    }));
  }

  static async start(options: GoNodeOptions): Promise<GoMemberlistNode> {
    const bin = await buildGoProgram('memberlist-node', 'memberlist-node');
    const args = ['-name', options.name, '-bind', options.bind, '-profile', options.profile ?? 'local'];
    if (options.join?.length) args.push('-join', options.join.join(','));
    if (options.key) args.push('-key', options.key);
    if (options.compression === false) args.push('-compression=false');
    if (options.meta) args.push('-meta', options.meta);
    if (options.state) args.push('-state', options.state);
    if (options.nodes) args.push('-nodes', String(options.nodes));
    const node = new GoMemberlistNode(spawn(bin, args, { stdio: 'pipe' }));
    await node.waitFor((e) => e.event === 'ready' || e.event === 'error', 10_000, 'ready');
    const failed = node.events.find((e) => e.event === 'error');
    if (failed) throw new Error(`go node failed to start: ${failed.error}`);
    return node;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The address the first node bound ("ip:port"). */
  get addr(): string {
    return this.events.find((e) => e.event === 'ready')!.addr!;
  }

  send(command: string): void {
    this.#child.stdin.write(`${command}\n`);
  }

  /** Resolves with the first event (already seen or future) matching `predicate`. */
  waitFor(predicate: (e: GoEvent) => boolean, timeoutMs: number, what = 'event'): Promise<GoEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
          return true;
        }
        if (this.#child.exitCode !== null) {
          cleanup();
          reject(new Error(`go node exited (${this.#child.exitCode}) before ${what}; stderr: ${this.#stderr.slice(-2000)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last events: ${JSON.stringify(this.events.slice(-5))}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      if (!check()) this.#waiters.add(check);
    });
  }

  /** Sends a command and waits for the reply event of that kind issued after it. */
  async request(command: string, replyEvent: string, timeoutMs = 10_000): Promise<GoEvent> {
    const seen = this.events.length;
    this.send(command);
    return this.waitFor((e) => this.events.indexOf(e) >= seen && (e.event === replyEvent || (e.event === 'error' && e.cmd === command.split(' ')[0])), timeoutMs, replyEvent);
  }

  /** SIGKILL: a crash, with no leave message. */
  kill(): Promise<number | null> {
    this.#child.kill('SIGKILL');
    return this.#exited;
  }

  /** Closes stdin: the harness shuts the node down without leaving. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}
