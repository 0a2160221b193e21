/**
 * One server's process as the parent sees it: started with fork() on its
 * directory, killed with SIGKILL, started again on the same directory (a new
 * incarnation). Every wait is bounded on the injected clock. Every process
 * ever started is also SIGKILLed when the parent exits, however it exits, so
 * a failing test leaves no server behind.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '@shoal/kit';
import type { RaftState } from '../../state.js';
import type { FromServer, ServerSpec, ToServer } from './messages.js';

// Run from source in tests and the soak (tsx), or as built JavaScript.
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));
const SERVER_SCRIPT = fileURLToPath(new URL(`./server-main${OWN_EXTENSION}`, import.meta.url));
const SERVER_EXEC_ARGV = OWN_EXTENSION === '.ts' ? ['--conditions=source', '--import', 'tsx'] : [];

const living = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of living) child.kill('SIGKILL');
  });
}

export interface ServerProcessEvents {
  /** A message from the server (not called for a dead incarnation's leftovers). */
  onMessage(server: ServerProcess, message: FromServer): void;
  /** The process is gone (killed or crashed). */
  onExit(server: ServerProcess): void;
}

export class ServerProcess {
  readonly id: string;
  readonly #spec: Omit<ServerSpec, 'seed'>;
  readonly #seed: number;
  readonly #clock: Clock;
  readonly #events: ServerProcessEvents;
  #child: ChildProcess | undefined;
  /** Bumped at every start: messages and replies are tied to one incarnation. */
  incarnation = 0;
  /** True from 'ready' until the process exits. */
  ready = false;
  state: RaftState = 'Shutdown';
  term = 0;
  /** How the last incarnation ended (for failure messages). */
  lastExit = '';
  /** Deaths nobody asked for (a crash of the server itself: a bug, or a store it could not open). */
  unexpectedExits = 0;
  #killRequested = false;

  constructor(spec: Omit<ServerSpec, 'seed'>, seed: number, clock: Clock, events: ServerProcessEvents) {
    this.id = spec.id;
    this.#spec = spec;
    this.#seed = seed;
    this.#clock = clock;
    this.#events = events;
  }

  /** True while a process runs (it may not be ready yet). */
  get alive(): boolean {
    return this.#child !== undefined;
  }

  /** Starts a process on the server's directory; resolves when its raft runs. */
  start(timeoutMs: number): Promise<void> {
    if (this.#child !== undefined) return Promise.reject(new Error(`server ${this.id} is already running`));
    killAllOnExit();
    this.incarnation++;
    const spec: ServerSpec = { ...this.#spec, seed: this.#seed * 1000 + this.incarnation };
    const child = fork(SERVER_SCRIPT, [JSON.stringify(spec)], {
      execArgv: SERVER_EXEC_ARGV,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.#killRequested = false;
    living.add(child);
    // A send racing the process's death fails with EPIPE: the exit handler deals with the death.
    child.on('error', () => undefined);
    this.state = 'Follower';
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.after(timeoutMs, () => reject(new Error(`server ${this.id} did not start within ${timeoutMs} ms`)));
      child.on('message', (message: FromServer) => {
        if (this.#child !== child) return;
        if (message.type === 'ready') {
          this.ready = true;
          timer.cancel();
          resolve();
        } else if (message.type === 'state') {
          this.state = message.state;
          this.term = message.term;
        }
        this.#events.onMessage(this, message);
      });
      child.on('exit', (code, signal) => {
        living.delete(child);
        if (this.#child !== child) return;
        this.#child = undefined;
        this.ready = false;
        this.state = 'Shutdown';
        this.lastExit = signal ?? `exit code ${code}`;
        if (!this.#killRequested) this.unexpectedExits++;
        timer.cancel();
        reject(new Error(`server ${this.id} exited (${this.lastExit}) before it was ready`));
        this.#events.onExit(this);
      });
    });
  }

  /** SIGKILL: no shutdown, no flush. Resolves once the process is gone. */
  kill(timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (child === undefined) return Promise.resolve();
    this.#killRequested = true;
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.after(timeoutMs, () => reject(new Error(`server ${this.id} did not die within ${timeoutMs} ms of SIGKILL`)));
      child.once('exit', () => {
        timer.cancel();
        resolve();
      });
      child.kill('SIGKILL');
    });
  }

  send(message: ToServer): boolean {
    const child = this.#child;
    if (child === undefined || !child.connected) return false;
    child.send(message, () => undefined);
    return true;
  }
}
