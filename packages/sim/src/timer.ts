import type { Clock, Timer } from '@shoal/kit';
import type { EventQueue } from './event-queue.js';
import { TraceKind, type TraceHash } from './trace.js';

/** What a timer needs from its simulation: the queue, the time, and the trace. */
export interface TimerHost {
  readonly queue: EventQueue;
  readonly trace: TraceHash;
  now(): number;
}

/** A Clock timer on virtual time. One-shot when periodMs is 0. */
export class SimTimer implements Timer {
  #active = true;
  #slot = -1;
  #seq = -1;
  readonly #host: TimerHost;
  readonly #periodMs: number;
  readonly #fn: () => void;
  readonly #group: TimerGroup | undefined;

  constructor(host: TimerHost, delayMs: number, periodMs: number, fn: () => void, group: TimerGroup | undefined) {
    this.#host = host;
    this.#periodMs = periodMs;
    this.#fn = fn;
    this.#group = group;
    this.#arm(host.now() + delayMs);
  }

  get active(): boolean {
    return this.#active;
  }

  cancel(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#group?.forget(this);
    this.#host.queue.cancel(this.#slot, this.#seq);
  }

  #arm(atMs: number): void {
    if (atMs === Infinity) return; // never fires, but stays active until cancelled
    const queue = this.#host.queue;
    this.#seq = queue.nextSeq;
    this.#slot = queue.push(atMs, fireTimer as (arg: never) => void, this);
  }

  /** Runs the timer's callback at its due time (called by the event loop). */
  fire(): void {
    const trace = this.#host.trace;
    trace.begin(TraceKind.timer);
    trace.word(this.#seq);
    trace.float(this.#host.now());
    if (this.#periodMs > 0) {
      this.#arm(this.#host.now() + this.#periodMs);
    } else {
      this.#active = false;
      this.#group?.forget(this);
    }
    this.#fn();
  }
}

function fireTimer(timer: SimTimer): void {
  timer.fire();
}

/** Validates a Clock delay: NaN is a bug in the caller; negative means now. */
export function checkDelay(ms: number, what: string): number {
  if (Number.isNaN(ms)) throw new RangeError(`${what} must be a number, got NaN`);
  return ms > 0 ? ms : 0;
}

/**
 * A Clock whose timers belong to one owner (typically a simulated node), so the
 * owner can cancel all of them at once, e.g. when its node crashes.
 */
export class TimerGroup implements Clock {
  readonly #host: TimerHost;
  readonly #epochMs: number;
  readonly #timers = new Set<SimTimer>();

  constructor(host: TimerHost, epochMs: number) {
    this.#host = host;
    this.#epochMs = epochMs;
  }

  now(): number {
    return this.#host.now();
  }

  wallTime(): number {
    return this.#epochMs + this.#host.now();
  }

  after(delayMs: number, fn: () => void): Timer {
    const timer = new SimTimer(this.#host, checkDelay(delayMs, 'delayMs'), 0, fn, this);
    this.#timers.add(timer);
    return timer;
  }

  every(periodMs: number, fn: () => void): Timer {
    const period = Math.max(1, checkDelay(periodMs, 'periodMs'));
    const timer = new SimTimer(this.#host, period, period, fn, this);
    this.#timers.add(timer);
    return timer;
  }

  /** Timers of this group that are still active. */
  get activeCount(): number {
    return this.#timers.size;
  }

  /** Cancels every active timer of this group. */
  cancelAll(): void {
    for (const timer of [...this.#timers]) timer.cancel();
  }

  forget(timer: SimTimer): void {
    this.#timers.delete(timer);
  }
}
