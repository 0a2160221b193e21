import { getHeapStatistics } from 'node:v8';

/**
 * Why a check stopped before a verdict: its step allowance or its time ran
 * out, one search outgrew the memory budget, or the caller aborted it.
 */
export type LinStopReason = 'steps' | 'time' | 'memory' | 'aborted';

/**
 * The default memory budget of one search: 512 MiB of estimated state, or a
 * quarter of V8's heap limit when that is smaller, so a search gives up
 * ('unknown', stopped 'memory') well before the process would die of a full
 * heap (the rest is the history, the garbage collector's headroom, the caller).
 */
export const DEFAULT_MAX_MEMORY_BYTES: number = Math.min(512 * 2 ** 20, Math.floor(getHeapStatistics().heap_size_limit / 4));

export interface SearchBudgetOptions {
  maxSteps?: number;
  timeoutMs?: number;
  now?: () => number;
  signal?: AbortSignal;
  /** The most estimated bytes one search may hold at once. Default DEFAULT_MAX_MEMORY_BYTES; Infinity for no limit. */
  maxMemoryBytes?: number;
}

/**
 * A search budget shared by the checks of one run: a step allowance
 * (deterministic), an optional wall-clock deadline and an optional abort
 * signal. When one runs out, searches stop and answer 'unknown' instead of
 * running on. It also carries the memory cap that each search (one at a time)
 * must stay under: memory is freed between searches, so it is not shared out.
 */
export class SearchBudget {
  readonly maxMemoryBytes: number;
  #stepsLeft: number;
  #deadline: number;
  #now: (() => number) | undefined;
  #timedOut = false;

  readonly #signal: AbortSignal | undefined;

  constructor(options: SearchBudgetOptions = {}) {
    this.#signal = options.signal;
    this.#stepsLeft = options.maxSteps ?? Number.POSITIVE_INFINITY;
    this.maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
    if (options.timeoutMs === undefined) {
      this.#deadline = Number.POSITIVE_INFINITY;
      this.#now = undefined;
    } else {
      this.#now = options.now ?? (() => performance.now());
      this.#deadline = this.#now() + options.timeoutMs;
    }
  }

  /** A budget with a share of this one's remaining steps (spent separately), the same deadline, memory cap and signal. */
  share(fraction: number): SearchBudget {
    const child = new SearchBudget({
      maxSteps: Math.floor(this.#stepsLeft * fraction),
      maxMemoryBytes: this.maxMemoryBytes,
      ...(this.#signal ? { signal: this.#signal } : {}),
    });
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
    return this.exhaustedBy() !== undefined;
  }

  /** Which shared limit has run out, if any (the clock is read here). An abort wins over the others. */
  exhaustedBy(): Exclude<LinStopReason, 'memory'> | undefined {
    if (this.#signal?.aborted) return 'aborted';
    if (this.#stepsLeft <= 0) return 'steps';
    if (!this.#timedOut && this.#now !== undefined && this.#now() >= this.#deadline) this.#timedOut = true;
    return this.#timedOut ? 'time' : undefined;
  }
}
