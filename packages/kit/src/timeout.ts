import { abortReason, type Clock } from './clock.js';
import { ShoalError } from './errors.js';

/** A deadline passed. `code` is ERR_TIMEOUT. */
export class TimeoutError extends ShoalError {
  constructor(message = 'operation timed out') {
    super('ERR_TIMEOUT', message);
  }
}

/**
 * An AbortSignal that aborts after `ms` on `clock` (AbortSignal.timeout only
 * knows real time), or when any of `parents` aborts. Call `cancel` when done so
 * the timer does not linger.
 */
export function timeoutSignal(clock: Clock, ms: number, ...parents: (AbortSignal | undefined)[]): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const live = parents.filter((s): s is AbortSignal => s !== undefined);
  const already = live.find((s) => s.aborted);
  if (already) {
    controller.abort(abortReason(already));
    return { signal: controller.signal, cancel: () => {} };
  }
  const onParentAbort = (event: Event): void => {
    cleanup();
    controller.abort(abortReason(event.target as AbortSignal));
  };
  const timer = Number.isFinite(ms)
    ? clock.after(ms, () => {
        cleanup();
        controller.abort(new TimeoutError(`timed out after ${ms} ms`));
      })
    : undefined;
  const cleanup = (): void => {
    timer?.cancel();
    for (const s of live) s.removeEventListener('abort', onParentAbort);
  };
  for (const s of live) s.addEventListener('abort', onParentAbort, { once: true });
  return { signal: controller.signal, cancel: cleanup };
}

/**
 * Settles like `promise`, unless `ms` passes on `clock` first (rejects with a
 * TimeoutError) or `signal` aborts (rejects with its reason). The underlying
 * work is not cancelled; pass the signal into it for that.
 */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, signal?: AbortSignal, message?: string): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      timer?.cancel();
      reject(abortReason(signal!));
    };
    const timer = Number.isFinite(ms)
      ? clock.after(ms, () => {
          signal?.removeEventListener('abort', onAbort);
          reject(new TimeoutError(message ?? `timed out after ${ms} ms`));
        })
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
