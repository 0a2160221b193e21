// Drives interop/memberlist-node (Go memberlist 0.2.2 nodes in a child process):
// JSON events in, text commands out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackChild } from './children.js';
import { EventLog, type MemberEvent } from './event-log.js';
import { buildGoProgram } from './go-build.js';

export type GoEvent = MemberEvent;

export interface GoNodeOptions {
  name: string;
  bind: string;
  join?: string[];
  profile?: 'lan' | 'wan' | 'local';
  /** Base64 secret key: encryption on. */
  key?: string;
  compression?: boolean;
  meta?: string;
  state?: string;
  /** Nodes in this process, named NAME-0, NAME-1, ... when more than one. */
  nodes?: number;
  /** Push/pull interval override (ms). */
  pushPullMs?: number;
  /** Stream timeout override (ms): the whole of one inbound stream must arrive within it. */
  tcpTimeoutMs?: number;
  /** Go memberlist's own log lines to stderr (kept in `stderr`, shown on failures). */
  verbose?: boolean;
}

export class GoMemberlistNode {
  readonly log: EventLog<GoEvent>;
  readonly #child: ChildProcessWithoutNullStreams;
  #stderr = '';
  #exited: Promise<number | null>;

  private constructor(child: ChildProcessWithoutNullStreams, label: string) {
    this.#child = child;
    this.log = new EventLog<GoEvent>(() => `go ${label} stderr tail: ${this.#stderr.slice(-1500)}`);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.log.push(JSON.parse(line) as GoEvent);
      } catch {
        this.log.push({ event: 'unparsed', data: line });
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
      if (this.#stderr.length > 200_000) this.#stderr = this.#stderr.slice(-100_000);
    });
    this.#exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.log.close(`go node ${label} exited (${code ?? signal})`);
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
    if (options.pushPullMs !== undefined) args.push('-pushpull', String(options.pushPullMs));
    if (options.tcpTimeoutMs !== undefined) args.push('-tcptimeout', String(options.tcpTimeoutMs));
    if (options.verbose) args.push('-v');
    return GoMemberlistNode.launch(bin, args, options.name, options.nodes ?? 1);
  }

  /**
   * Runs a Go program that speaks this driver's protocol (JSON events, one
   * `ready` per node, text commands) and waits until its `count` nodes are ready.
   */
  static async launch(bin: string, args: string[], label: string, count: number): Promise<GoMemberlistNode> {
    const node = new GoMemberlistNode(trackChild(spawn(bin, args, { stdio: 'pipe' })), label);
    try {
      await node.log.waitFor((e) => e.event === 'error' || (e.event === 'ready' && node.events.filter((r) => r.event === 'ready').length >= count), 10_000, 'ready');
    } catch (error) {
      node.#child.kill('SIGKILL');
      throw error;
    }
    const failed = node.events.find((e) => e.event === 'error');
    if (failed) {
      node.#child.kill('SIGKILL');
      throw new Error(`go node failed to start: ${failed.error}`);
    }
    return node;
  }

  get events(): GoEvent[] {
    return this.log.events;
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

  /** The address node `self` bound (for -nodes > 1: NAME-0, NAME-1, ...). */
  addrOf(self: string): string {
    const ready = this.events.find((e) => e.event === 'ready' && e.self === self);
    if (!ready?.addr) throw new Error(`no node ${self} in this go process`);
    return ready.addr;
  }

  /** Names of the nodes in this process, in start order. */
  get names(): string[] {
    return this.events.filter((e) => e.event === 'ready').map((e) => e.self!);
  }

  send(command: string): void {
    this.#child.stdin.write(`${command}\n`);
  }

  /** Resolves with the first event (already seen or future) matching `predicate`. */
  waitFor(predicate: (e: GoEvent) => boolean, timeoutMs: number, what = 'event'): Promise<GoEvent> {
    return this.log.waitFor(predicate, timeoutMs, what);
  }

  /**
   * Sends a command ("[@SELF ] VERB ARGS") and waits for the reply event of
   * that kind (or an error for that verb) issued after it, from that node.
   */
  async request(command: string, replyEvent: string, timeoutMs = 10_000): Promise<GoEvent> {
    const seen = this.events.length;
    const target = command.startsWith('@') ? command.slice(1, command.indexOf(' ')) : undefined;
    const verb = (target === undefined ? command : command.slice(command.indexOf(' ') + 1)).split(' ')[0];
    this.send(command);
    return this.log.waitFor(
      (e) => (target === undefined || e.self === target) && (e.event === replyEvent || (e.event === 'error' && e.cmd === verb)),
      timeoutMs,
      `${replyEvent} in reply to '${command}'`,
      seen,
    );
  }

  /** Names that node `self` (default: the first) lists as members now. */
  async memberNames(self?: string): Promise<string[]> {
    const reply = await this.request(self ? `@${self} members` : 'members', 'members');
    if (reply.event === 'error') throw new Error(`members: ${reply.error}`);
    return ((reply.members as { name: string }[] | null) ?? []).map((m) => m.name).sort();
  }

  /** SIGKILL: a crash, with no leave message. */
  kill(): Promise<number | null> {
    this.#child.kill('SIGKILL');
    return this.#exited;
  }

  /** Closes stdin: the harness shuts the node down without leaving. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }
}
