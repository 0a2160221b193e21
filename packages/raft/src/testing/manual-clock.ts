/**
 * A virtual clock for tests: time moves only when the test advances it.
 * Timers fire in (time, creation) order; between two timers every pending
 * promise continuation runs, so a whole in-memory cluster reaches quiescence
 * before the next event. Deterministic for a given sequence of calls.
 */
import type { Clock, Timer } from '@shoal/kit';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  periodMs: number;
  timer: ManualTimer;
}

class ManualTimer implements Timer {
  active = true;
  cancel(): void {
    this.active = false;
  }
}

/** Lets every queued promise continuation run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #heap: Entry[] = [];
  readonly #epochMs: number;
  /** Timer callbacks fired so far. */
  fired = 0;

  /** `epochMs` is what wallTime() reports at virtual time 0. */
  constructor(epochMs = 1_700_000_000_000) {
    this.#epochMs = epochMs;
  }

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.#epochMs + this.#now;
  }

  after(delayMs: number, fn: () => void): Timer {
    const timer = new ManualTimer();
    this.#push({ at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn: () => {
      timer.active = false;
      fn();
    }, periodMs: 0, timer });
    return timer;
  }

  every(periodMs: number, fn: () => void): Timer {
    const timer = new ManualTimer();
    const period = Math.max(1, periodMs);
    this.#push({ at: this.#now + period, seq: this.#seq++, fn, periodMs: period, timer });
    return timer;
  }

  /** Time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#dropCancelled();
      const next = this.#heap[0];
      if (next === undefined || next.at > target) break;
      this.#pop();
      this.#now = Math.max(this.#now, next.at);
      if (next.periodMs > 0) this.#push({ ...next, at: next.at + next.periodMs, seq: this.#seq++ });
      this.fired++;
      next.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && !this.#heap[0]!.timer.active) this.#pop();
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
