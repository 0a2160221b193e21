/**
 * LogFuture: one entry on its way through the leader (Go's logFuture), on
 * kit's Deferred. A future settles exactly once; later outcomes (an apply
 * after the caller's timeout) are ignored.
 */
import type { Timer } from '@shoal/kit';
import { Deferred } from '@shoal/kit';
import { ApplyTimeoutError, EnqueueTimeoutError } from './errors.js';
import type { Log } from './log.js';

export interface ApplyResult {
  /** Where the entry landed in the log. */
  index: number;
  /** What the FSM returned for it (undefined for barriers and no-ops). */
  response: unknown;
}

export class LogFuture {
  readonly log: Log;
  readonly deferred = new Deferred<ApplyResult>();
  /** True once the entry has an index (it is in the leader's log). */
  dispatched = false;
  timer: Timer | undefined;
  /** Called when the timeout fires before dispatch, to take the future out of the queue. */
  onEnqueueTimeout: (() => void) | undefined;

  constructor(log: Log) {
    this.log = log;
  }

  get promise(): Promise<ApplyResult> {
    return this.deferred.promise;
  }

  get settled(): boolean {
    return this.deferred.settled;
  }

  /** Arms the end-to-end timeout: before dispatch it is an enqueue timeout, after it the outcome is unknown. */
  armTimeout(after: (ms: number, fn: () => void) => Timer, timeoutMs: number): void {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return;
    this.timer = after(timeoutMs, () => {
      if (this.settled) return;
      if (!this.dispatched) {
        this.onEnqueueTimeout?.();
        this.deferred.reject(new EnqueueTimeoutError());
      } else this.deferred.reject(new ApplyTimeoutError(this.log.index));
    });
  }

  respond(response: unknown): void {
    this.timer?.cancel();
    this.deferred.resolve({ index: this.log.index, response });
  }

  fail(error: unknown): void {
    this.timer?.cancel();
    this.deferred.reject(error);
  }
}
