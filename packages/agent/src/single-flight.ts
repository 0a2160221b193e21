// Runs an async job one at a time, however often it is asked for: a request
// while it runs makes it run once more afterwards, so the last request is
// always served by a run that started after it. Reconciles triggered by a
// burst of member events collapse into one or two runs.

export class SingleFlight {
  readonly #job: () => Promise<void>;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(job: () => Promise<void>) {
    this.#job = job;
  }

  /** Asks for a run; resolves when a run that started after the request has finished. */
  request(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** The run in progress (and its follow-up), or a resolved promise. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#job();
    } while (this.#again);
  }
}
