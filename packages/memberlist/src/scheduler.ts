import type { Clock, Random, Timer } from '@shoal/kit';
import { randomStagger } from './util.js';

/**
 * The list's periodic work (Go's schedule and deschedule): each task starts
 * after a random stagger in [0, interval) so members started together do not
 * tick in step, then repeats. Tasks run through `run`, which contains their
 * failures and delivers the events they cause.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #run: (fn: () => void) => void;
  readonly #timers = new Set<Timer>();
  #stopped = false;

  constructor(clock: Clock, random: Random, run: (fn: () => void) => void) {
    this.#clock = clock;
    this.#random = random;
    this.#run = run;
  }

  /** `fn` every `intervalMs`, the first time after a random stagger. */
  every(intervalMs: number, fn: () => void): void {
    this.#once(randomStagger(this.#random, intervalMs), () => {
      this.#timers.add(this.#clock.every(intervalMs, () => this.#run(fn)));
      this.#run(fn);
    });
  }

  /**
   * `fn` every `intervalMs` on a fixed cadence (the first time after a random
   * stagger), but only while `busy()`: after a run that leaves nothing to do
   * the timer stops, and the returned `wake` restarts it at the cadence's next
   * tick. The work happens at the moments an always-running ticker would
   * choose; the idle ticks, which would find nothing to do, never wake the
   * process. (On a virtual machine an idle wakeup costs 100-250 µs of CPU.)
   */
  whileBusy(intervalMs: number, busy: () => boolean, fn: () => void): () => void {
    let origin: number | undefined;
    let ticker: Timer | undefined;
    let starting = false;
    const tick = (): void => {
      this.#run(fn);
      if (ticker && !busy()) {
        ticker.cancel();
        this.#timers.delete(ticker);
        ticker = undefined;
      }
    };
    const start = (delayMs: number): void => {
      starting = true;
      this.#once(delayMs, () => {
        starting = false;
        origin = this.#clock.now();
        ticker = this.#clock.every(intervalMs, tick);
        this.#timers.add(ticker);
        tick();
      });
    };
    start(randomStagger(this.#random, intervalMs));
    return () => {
      if (this.#stopped || ticker !== undefined || starting || origin === undefined) return;
      const now = this.#clock.now();
      const ticks = Math.max(1, Math.ceil((now - origin) / intervalMs));
      start(origin + ticks * intervalMs - now);
    };
  }

  /**
   * `fn` after a random stagger in [0, firstMs) plus `nextMs()`, then again
   * `nextMs()` after each run: an interval that changes as the cluster grows
   * (Go's pushPullTrigger).
   */
  chain(firstMs: number, nextMs: () => number, fn: () => void): void {
    const next = (): void => {
      this.#once(nextMs(), () => {
        this.#run(fn);
        next();
      });
    };
    this.#once(randomStagger(this.#random, firstMs), next);
  }

  /** `fn` once, after `delayMs`, unless stopped first. */
  once(delayMs: number, fn: () => void): void {
    this.#once(delayMs, () => this.#run(fn));
  }

  /** Cancels everything; nothing runs afterwards. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
  }

  #once(delayMs: number, fn: () => void): void {
    if (this.#stopped) return;
    const t = this.#clock.after(delayMs, () => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    });
    this.#timers.add(t);
  }
}
