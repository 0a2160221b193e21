/**
 * Runs async tasks one at a time, in submission order: raft's "main thread".
 * Every change to a node's state happens inside one task, so a task may await
 * storage without another handler interleaving with it. Tasks must never
 * wait for a later task of the same queue (that would deadlock).
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Queued plus running tasks. */
  get pending(): number {
    return this.#pending;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => void this.#pending--,
      () => void this.#pending--,
    );
    return result;
  }

  /** Resolves once every task submitted so far has finished. */
  drain(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
