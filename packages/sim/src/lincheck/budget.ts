/**
 * A search budget shared by the checks of one run: a step allowance
 * (deterministic), an optional wall-clock deadline and an optional abort signal. When either runs out,
 * searches stop and answer 'unknown' instead of running on.
 */
export class SearchBudget {
  #stepsLeft: number;
  #deadline: number;
  #now: (() => number) | undefined;
  #timedOut = false;

  readonly #signal: AbortSignal | undefined;

  constructor(options: { maxSteps?: number; timeoutMs?: number; now?: () => number; signal?: AbortSignal } = {}) {
    this.#signal = options.signal;
    this.#stepsLeft = options.maxSteps ?? Number.POSITIVE_INFINITY;
    if (options.timeoutMs === undefined) {
      this.#deadline = Number.POSITIVE_INFINITY;
      this.#now = undefined;
    } else {
      this.#now = options.now ?? (() => performance.now());
      this.#deadline = this.#now() + options.timeoutMs;
    }
  }

  /** A budget with a share of this one's remaining steps (spent separately), the same deadline and signal. */
  share(fraction: number): SearchBudget {
    const child = new SearchBudget({ maxSteps: Math.floor(this.#stepsLeft * fraction), ...(this.#signal ? { signal: this.#signal } : {}) });
    child.#deadline = this.#deadline;
    child.#now = this.#now;
    return child;
  }

  get stepsLeft(): number {
    return this.#stepsLeft;
  }

  spend(steps: number): void {
    this.#stepsLeft -= steps;
  }

  /** True once the steps are spent, the deadline has passed (the clock is read here), or the signal aborted. */
  exhausted(): boolean {
    if (this.#stepsLeft <= 0 || this.#signal?.aborted) return true;
    if (!this.#timedOut && this.#now !== undefined && this.#now() >= this.#deadline) this.#timedOut = true;
    return this.#timedOut;
  }
}
