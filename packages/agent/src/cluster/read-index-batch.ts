// Concurrent linearizable reads share read-index rounds, as etcd's read loop
// does: a read that finds no round running starts one; reads that arrive
// while one runs wait for the next, which starts when it settles and serves
// them all. A round's answer may only serve reads that arrived before it
// began (it confirms leadership after they arrived), so a read never joins
// a round already under way.
// A reader's signal ends only its own wait; the round goes on for the others.

export class ReadIndexBatch<T> {
  readonly #round: () => Promise<T>;
  #running = false;
  #next: Promise<T> | undefined;

  /** `round` performs one read-index round (it has its own bounds on time). */
  constructor(round: () => Promise<T>) {
    this.#round = round;
  }

  /** The answer of a round that begins after this call. */
  read(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const answer = this.#running ? (this.#next ??= this.#afterCurrent()) : this.#start();
    return signal === undefined ? answer : abortable(answer, signal);
  }

  #start(): Promise<T> {
    this.#running = true;
    let answer: Promise<T>;
    try {
      answer = this.#round();
    } catch (error) {
      answer = Promise.reject(error);
    }
    const settled = (): void => {
      this.#running = false;
      const next = this.#nextStarter;
      this.#nextStarter = undefined;
      next?.();
    };
    answer.then(settled, settled);
    return answer;
  }

  #nextStarter: (() => void) | undefined;

  /** The round after the running one: every read that waits for it joins it. */
  #afterCurrent(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#nextStarter = () => {
        this.#next = undefined;
        this.#start().then(resolve, reject);
      };
    });
  }
}

function abortable<T>(answer: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    answer.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
