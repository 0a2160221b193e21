// The one place (with real-random.ts) where kit reads real time and real timers.
import type { Clock, Timer } from './clock.js';

export interface RealClockOptions {
  /** When true, pending timers do not keep the Node.js process alive. Default false. */
  unref?: boolean;
}

class RealTimer implements Timer {
  #handle: NodeJS.Timeout | undefined;
  #repeating: boolean;
  constructor(handle: NodeJS.Timeout, repeating: boolean) {
    this.#handle = handle;
    this.#repeating = repeating;
  }
  get active(): boolean {
    return this.#handle !== undefined;
  }
  fired(): void {
    if (!this.#repeating) this.#handle = undefined;
  }
  cancel(): void {
    if (this.#handle === undefined) return;
    if (this.#repeating) clearInterval(this.#handle);
    else clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}

export class RealClock implements Clock {
  readonly #unref: boolean;
  constructor(options: RealClockOptions = {}) {
    this.#unref = options.unref ?? false;
  }
  now(): number {
    return performance.now();
  }
  wallTime(): number {
    return Date.now();
  }
  after(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(() => {
      timer.fired();
      fn();
    }, Math.max(0, delayMs));
    if (this.#unref) handle.unref();
    const timer = new RealTimer(handle, false);
    return timer;
  }
  every(periodMs: number, fn: () => void): Timer {
    const handle = setInterval(fn, Math.max(1, periodMs));
    if (this.#unref) handle.unref();
    return new RealTimer(handle, true);
  }
}

/** A process-wide real clock for callers that do not inject one. */
export const realClock: Clock = new RealClock();
