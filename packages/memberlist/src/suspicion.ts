import type { Clock, Timer } from '@shoal/kit';

/**
 * Time left on a suspicion timer after `n` of `k` wanted confirmations and
 * `elapsedMs` since it started (Lifeguard): the timeout falls from max towards
 * min as max − ln(n+1)/ln(k+1) × (max − min), floored to whole milliseconds
 * and never below min. Negative means it is already overdue. Computed in
 * seconds as Go does, so results match its table to the millisecond.
 */
export function remainingSuspicionTime(n: number, k: number, elapsedMs: number, minMs: number, maxMs: number): number {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const rawSeconds = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  let timeoutMs = Math.floor(1000 * rawSeconds);
  if (timeoutMs < minMs) timeoutMs = minMs;
  return timeoutMs - elapsedMs;
}

/**
 * The suspicion timer of one suspect node (Go's suspicion). It starts at max
 * (or min when no confirmations are expected, k < 1) and each independent
 * confirmation — a suspect message from a new sender — pulls the deadline in.
 * The accuser's own messages never count, since our own gossip comes back.
 */
export class Suspicion {
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly startMs: number;
  #n = 0;
  #timer: Timer | undefined;
  readonly #clock: Clock;
  /** Who has accused so far (the original accuser first): at most k + 1 names, so an array beats a Set. */
  readonly #confirmations: string[];
  readonly #onTimeout: (confirmations: number) => void;
  #fired = false;

  constructor(clock: Clock, from: string, k: number, minMs: number, maxMs: number, onTimeout: (confirmations: number) => void) {
    this.#clock = clock;
    this.k = k;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.#onTimeout = onTimeout;
    this.#confirmations = [from];
    this.startMs = clock.now();
    this.#arm(k < 1 ? minMs : maxMs);
  }

  /** Confirmations counted so far. */
  get confirmations(): number {
    return this.#n;
  }

  /** True until the timer fires or is cancelled. */
  get active(): boolean {
    return this.#timer !== undefined && !this.#fired;
  }

  /**
   * Counts `from` as a confirmation unless it already counted or k have
   * been reached; returns whether it was new. Re-arms the timer for the time
   * left; when that is no longer positive the timer fires on the next clock
   * turn, after the caller has finished (Go fires it on a new goroutine).
   */
  confirm(from: string): boolean {
    if (this.#n >= this.k) return false;
    if (this.#confirmations.includes(from)) return false;
    this.#confirmations.push(from);
    this.#n++;
    if (!this.active) return true;
    const remaining = remainingSuspicionTime(this.#n, this.k, this.#clock.now() - this.startMs, this.minMs, this.maxMs);
    this.#timer!.cancel();
    this.#arm(remaining > 0 ? remaining : 0);
    return true;
  }

  /** Stops the timer without firing. */
  cancel(): void {
    this.#timer?.cancel();
    this.#fired = true;
  }

  #arm(delayMs: number): void {
    this.#timer = this.#clock.after(delayMs, () => this.#fire());
  }

  #fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#onTimeout(this.#n);
  }
}
