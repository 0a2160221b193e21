/**
 * Time as protocol code sees it. Protocol code never touches the wall clock or
 * global timers directly (DESIGN.md principle 1): it is handed a Clock, which is
 * `RealClock` in production and the simulator's virtual clock in tests.
 */
export interface Timer {
  /** Stops the timer. Safe to call more than once, and after it has fired. */
  cancel(): void;
  /** True until a one-shot timer fires or any timer is cancelled. */
  readonly active: boolean;
}

export interface Clock {
  /** Monotonic time in milliseconds, with sub-millisecond precision. */
  now(): number;
  /** Wall-clock time in milliseconds since the Unix epoch (for timestamps only, never for intervals). */
  wallTime(): number;
  /** Calls `fn` once, `delayMs` from now. */
  after(delayMs: number, fn: () => void): Timer;
  /** Calls `fn` every `periodMs`, the first call `periodMs` from now. */
  every(periodMs: number, fn: () => void): Timer;
}

/** An AbortSignal's reason, or a generic abort error when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
