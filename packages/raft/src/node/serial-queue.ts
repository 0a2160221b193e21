/**
 * Runs async tasks one at a time, in submission order: raft's "main thread".
 * Every change to a node's state happens inside one task, so a task may await
 * storage without another handler interleaving with it. Tasks must never
 * wait for a later task of the same queue (that would deadlock).
 *
 * `inTask` tells the node's state operations whether they run inside a task.
 * By default it is true from a task's start until it settles, which catches
 * changes made while the queue is idle; with `exact`, each task's async
 * context is tracked (AsyncLocalStorage), so a callback that runs while a
 * task awaits is caught too (unless the running task itself started it
 * without awaiting it), for about 1.5x the CPU. Tests use exact checking.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface SerialQueueOptions {
  /** Track each task's async context so `inTask` is exact. */
  exact?: boolean;
}

interface TaskContext {
  queue: SerialQueue;
  task: number;
}

const taskContext = new AsyncLocalStorage<TaskContext>();

export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #running = false;
  /** Sequence number of the running task (exact mode tells stale continuations apart by it). */
  #task = 0;
  readonly #exact: boolean;

  constructor(options: SerialQueueOptions = {}) {
    this.#exact = options.exact ?? false;
  }

  /** Queued plus running tasks. */
  get pending(): number {
    return this.#pending;
  }

  /** Whether the caller runs inside one of this queue's tasks (see the file comment for how exact this is). */
  get inTask(): boolean {
    if (!this.#running) return false;
    if (!this.#exact) return true;
    const context = taskContext.getStore();
    return context !== undefined && context.queue === this && context.task === this.#task;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#pending++;
    const start = this.#exact
      ? (): Promise<T> | T => {
          this.#running = true;
          return taskContext.run({ queue: this, task: ++this.#task }, task);
        }
      : (): Promise<T> | T => {
          this.#running = true;
          return task();
        };
    const result = this.#tail.then(start);
    const settle = (): void => {
      this.#running = false;
      this.#pending--;
    };
    this.#tail = result.then(settle, settle);
    return result;
  }

  /** Resolves once every task submitted so far has finished. */
  drain(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
