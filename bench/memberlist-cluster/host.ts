// One host process of the cluster benchmark (shoal or Go): spawns it, parses
// its JSON lines, and sends commands. Both hosts speak the protocol described
// in node-host.ts and interop/memberlist-bench/main.go; a one-node host of
// interop/memberlist-node or memberlist-quic-node speaks enough of it (ready,
// join/leave events, join, stats with cpu_ms, exit) for bench/memberlist-quic.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface HostedNodeInfo {
  name: string;
  addr: string;
}

export interface MembershipEvent {
  event: 'join' | 'leave';
  self: string;
  node: string;
  /** Wall-clock epoch ms at the host when the node saw the change. */
  t: number;
}

export interface HostStats {
  udpSent: number;
  tcpSent: number;
  pushPulls: number;
  cpuMs: number;
  /** Main-thread GC pauses (shoal hosts only). */
  gcMs: number | undefined;
  t: number;
}

interface Reply {
  event: string;
  [key: string]: unknown;
}

export interface LaunchSpec {
  command: string;
  args: string[];
}

/** Every host not yet exited, so the coordinator can kill them all if it dies or is interrupted. */
const live = new Set<Host>();

/** SIGKILLs every host still running (synchronous: safe in an 'exit' handler). */
export function killAllHosts(): void {
  for (const h of live) h.kill();
}

export class Host {
  readonly nodes: HostedNodeInfo[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replyWaiters = new Map<string, ((reply: Reply) => void)[]>();
  readonly #exited: Promise<void>;
  #stderr = '';
  #exitCode: number | null | undefined;

  private constructor(child: ChildProcessWithoutNullStreams, onMembership: (e: MembershipEvent) => void) {
    this.#child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: Reply;
      try {
        msg = JSON.parse(line) as Reply;
      } catch {
        this.#stderr += `unparsed stdout: ${line}\n`;
        return;
      }
      if (msg.event === 'join' || msg.event === 'leave') {
        onMembership(msg as unknown as MembershipEvent);
        return;
      }
      const waiters = this.#replyWaiters.get(msg.event);
      waiters?.shift()?.(msg);
    });
    child.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    child.stdin.on('error', () => {}); // a killed host closes its pipe; writes after that are moot
    live.add(this);
    this.#exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        live.delete(this);
        this.#exitCode = code;
        for (const list of this.#replyWaiters.values()) list.length = 0;
        resolve();
      }),
    );
  }

  /** Spawns a host and waits for it to report its nodes' addresses. */
  static async start(spec: LaunchSpec, onMembership: (e: MembershipEvent) => void, timeoutMs: number): Promise<Host> {
    const host = new Host(spawn(spec.command, spec.args, { stdio: 'pipe' }), onMembership);
    const ready = await host.#await('ready', timeoutMs);
    // The interop programs (interop/memberlist-node, memberlist-quic-node) announce one node per line, as {self, addr}.
    const nodes = Array.isArray(ready.nodes) ? (ready.nodes as HostedNodeInfo[]) : [{ name: String(ready.self), addr: String(ready.addr) }];
    host.nodes.push(...nodes);
    return host;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get stderr(): string {
    return this.#stderr;
  }

  send(command: string): void {
    if (this.#exitCode === undefined) this.#child.stdin.write(`${command}\n`);
  }

  /** Sends a command and waits for its reply (replies of one kind come back in order). */
  request(command: string, replyEvent: string, timeoutMs: number): Promise<Reply> {
    const reply = this.#await(replyEvent, timeoutMs);
    this.send(command);
    return reply;
  }

  async stats(timeoutMs = 30_000): Promise<HostStats> {
    const r = await this.request('stats', 'stats', timeoutMs);
    return { udpSent: Number(r.udp_sent), tcpSent: Number(r.tcp_sent), pushPulls: Number(r.push_pulls), cpuMs: Number(r.cpu_ms), gcMs: r.gc_ms === undefined ? undefined : Number(r.gc_ms), t: Number(r.t) };
  }

  async memberCounts(timeoutMs = 30_000): Promise<Record<string, number>> {
    return (await this.request('members', 'members', timeoutMs)).counts as Record<string, number>;
  }

  /** Resolves with the host's next reply of this kind (the burst join's result, say). */
  next(replyEvent: string, timeoutMs: number): Promise<Reply> {
    return this.#await(replyEvent, timeoutMs);
  }

  /** SIGKILL: the whole process dies at once, sockets and all, with no leave. */
  kill(): void {
    if (this.#exitCode === undefined) this.#child.kill('SIGKILL');
  }

  /** Asks the host to exit; kills it if it has not after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.send('exit');
    this.#child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #await(event: string, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.#exitCode !== undefined) {
        reject(new Error(`host exited (${this.#exitCode}) before '${event}'; stderr: ${this.#stderr}`));
        return;
      }
      const list = this.#replyWaiters.get(event) ?? [];
      this.#replyWaiters.set(event, list);
      const waiter = (reply: Reply): void => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(new Error(`host ${this.pid}: no '${event}' within ${timeoutMs} ms; stderr: ${this.#stderr}`));
      }, timeoutMs);
      list.push(waiter);
      void this.#exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`host exited (${this.#exitCode}) before '${event}'; stderr: ${this.#stderr}`));
      });
    });
  }
}
