/**
 * A virtual clock for tests: time moves only when the test advances it.
 * Timers fire in (time, creation) order; between two timers every pending
 * promise continuation runs, so a whole in-memory cluster reaches quiescence
 * before the next event. Deterministic for a given sequence of calls.
 *
 * The timer bookkeeping is kit's ManualClock; this adds the async stepping.
 */
import { ManualClock as SyncManualClock, type Clock, type Timer } from '@shoal/kit';

/** Lets every queued promise continuation run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  readonly #timers: SyncManualClock;
  /** Timer callbacks fired so far. */
  fired = 0;

  /** `epochMs` is what wallTime() reports at virtual time 0. */
  constructor(epochMs = 1_700_000_000_000) {
    this.#timers = new SyncManualClock(0, epochMs);
  }

  now(): number {
    return this.#timers.now();
  }

  wallTime(): number {
    return this.#timers.wallTime();
  }

  after(delayMs: number, fn: () => void): Timer {
    return this.#timers.after(delayMs, this.#counted(fn));
  }

  every(periodMs: number, fn: () => void): Timer {
    return this.#timers.every(periodMs, this.#counted(fn));
  }

  /** Time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    return this.#timers.nextTimerAt();
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms;
    await settle();
    while (this.#timers.fireNext(target)) await settle();
    this.#timers.advanceTo(target);
    await settle();
  }

  #counted(fn: () => void): () => void {
    return () => {
      this.fired++;
      fn();
    };
  }
}
