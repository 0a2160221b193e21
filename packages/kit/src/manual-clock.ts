import type { Clock, Timer } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  period: number;
  timer: ManualTimer;
}

class ManualTimer implements Timer {
  active = true;
  cancel(): void {
    this.active = false;
  }
}

/**
 * A clock that moves only when told to: for unit tests of a single component.
 * Whole clusters run on the simulator's scheduler instead (@shoal/sim), which
 * also orders network and disk events.
 *
 * Pending timers are a plain list scanned for the earliest: unit tests keep a
 * handful, so a heap (like sim's EventQueue or peerlist's PendingHeap, whose
 * needs differ again) would add code without saving time.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #epochMs: number;
  #pending: Pending[] = [];

  constructor(startMs = 0, epochMs = 1_700_000_000_000) {
    this.#now = startMs;
    this.#epochMs = epochMs;
  }

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.#epochMs + this.#now;
  }

  after(delayMs: number, fn: () => void): Timer {
    return this.#add(Math.max(0, delayMs), fn, 0);
  }

  every(periodMs: number, fn: () => void): Timer {
    return this.#add(Math.max(1, periodMs), fn, Math.max(1, periodMs));
  }

  /** Number of timers still due to fire. */
  get pendingCount(): number {
    return this.#pending.filter((p) => p.timer.active).length;
  }

  /** Time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    return this.#next(Infinity)?.at;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time to `targetMs`, firing every timer due on the way, in order. */
  advanceTo(targetMs: number): void {
    while (this.fireNext(targetMs));
    this.#now = targetMs;
  }

  /**
   * Fires the earliest live timer due at or before `limitMs` (ties in creation
   * order; a periodic timer is rescheduled as if newly created), moving time to
   * it. Returns false, leaving time alone, when no timer is due.
   */
  fireNext(limitMs: number): boolean {
    const next = this.#next(limitMs);
    if (!next) return false;
    this.#now = next.at;
    if (next.period > 0) {
      next.at += next.period;
      next.seq = this.#seq++;
    } else {
      next.timer.active = false;
    }
    next.fn();
    return true;
  }

  /** Advances by `ms`, letting promise continuations run after each millisecond step. */
  async advanceAsync(ms: number, stepMs = 1): Promise<void> {
    for (let moved = 0; moved < ms; moved += stepMs) {
      this.advance(Math.min(stepMs, ms - moved));
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }

  #next(limitMs: number): Pending | undefined {
    this.#pending = this.#pending.filter((p) => p.timer.active);
    let next: Pending | undefined;
    for (const p of this.#pending) if (p.at <= limitMs && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
    return next;
  }

  #add(delay: number, fn: () => void, period: number): Timer {
    const timer = new ManualTimer();
    this.#pending.push({ at: this.#now + delay, seq: this.#seq++, fn, period, timer });
    return timer;
  }
}
