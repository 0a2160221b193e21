/**
 * The simulation: a seeded discrete-event scheduler on virtual time.
 *
 * Time moves only when the simulation runs an event, and jumps straight to the
 * next event's time. Events at equal times run in scheduling order.
 *
 * Two ways to run it:
 * - async (`run`, `runFor`, `runUntil`, `step`, `settle`): for code that uses
 *   promises. Rule: every promise continuation caused by an event runs before
 *   virtual time advances past that event's time (events scheduled for the
 *   same instant may run before those continuations). Before returning, the
 *   run lets pending continuations finish, too.
 * - sync (`runSync`, `runForSync`, `runUntilSync`, `stepSync`): for
 *   callback-driven code. Promise continuations run only after the call
 *   returns, so awaiting code would see the wrong time: use it only when the
 *   code under test does not await.
 * Both are deterministic: the same seed and the same code give the same trace.
 */
import { seededRandom, type Clock, type Random, type Timer } from '@shoal/kit';
import { EventQueue } from './event-queue.js';
import { SimDeadlockError, SimReentrancyError, SimRunawayError } from './errors.js';
import { holdPromiseHooks, promiseActivity, promiseHooksAvailable } from './microtasks.js';
import { SimTimer, TimerGroup, checkDelay, type TimerHost } from './timer.js';
import { TraceHash, TraceKind, type TraceBytes } from './trace.js';

export interface SimulationOptions {
  /** Seed of every random choice the simulation makes. Print it when a test fails. */
  seed: number;
  /** `wallTime()` is `epochMs + now()`. Default 1_700_000_000_000 (Nov 2023). */
  epochMs?: number;
  /** Most events one run call may execute before it throws SimRunawayError. Default 10,000,000. */
  maxEventsPerRun?: number;
  /**
   * How async runs find out that promise continuations may be pending:
   * 'promise-hooks' (default) yields a macrotask only after promise activity;
   * 'always' yields whenever time is about to advance after any event.
   */
  asyncDetection?: 'promise-hooks' | 'always';
  /** How much of each payload the trace hash reads. Default 'sample' (length, first and last 32 bytes). */
  traceBytes?: TraceBytes;
}

/** Options of one run call. */
export interface RunOptions {
  /** Overrides the simulation's maxEventsPerRun for this call. */
  maxEvents?: number;
}

/** Counters for benchmarks and diagnostics. */
export interface SimulationStats {
  /** Events executed (cancelled ones excluded). */
  eventsRun: number;
  /** Macrotask turns the async runs yielded to let promise continuations run. */
  drains: number;
  /** Live events waiting in the queue. */
  pending: number;
}

/**
 * Most drains are microtask-level (see #drive); every this many, a macrotask
 * turn runs instead, so process.nextTick work and real I/O are not starved
 * during long runs. A count, not a wall-clock interval, keeps runs replayable.
 */
const MACROTASK_DRAIN_EVERY = 256;

const DONE = 0;
const SATISFIED = 1;
const YIELD = 2;
type LoopResult = typeof DONE | typeof SATISFIED | typeof YIELD;

export class Simulation implements Clock, TimerHost {
  readonly seed: number;
  /** The root generator; hand components their own `fork()` rather than sharing it. */
  readonly random: Random;
  readonly queue = new EventQueue();
  readonly trace: TraceHash;
  readonly epochMs: number;
  readonly #maxEventsPerRun: number;
  readonly #alwaysDrain: boolean;

  #now = 0;
  #eventsRun = 0;
  #drains = 0;
  #running = false;
  #budget = 0;
  #budgetLimit = 0;
  #activityMark = 0;
  #ranSinceDrain = false;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.random = seededRandom(options.seed);
    this.epochMs = options.epochMs ?? 1_700_000_000_000;
    this.#maxEventsPerRun = options.maxEventsPerRun ?? 10_000_000;
    this.#alwaysDrain = options.asyncDetection === 'always' || !promiseHooksAvailable;
    this.trace = new TraceHash(options.traceBytes ?? 'sample');
  }

  /** A new generator derived from the root one (deterministic in the order of calls). */
  fork(): Random {
    return this.random.fork();
  }

  // ---- Clock ----

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.epochMs + this.#now;
  }

  after(delayMs: number, fn: () => void): Timer {
    return new SimTimer(this, checkDelay(delayMs, 'delayMs'), 0, fn, undefined);
  }

  every(periodMs: number, fn: () => void): Timer {
    const period = Math.max(1, checkDelay(periodMs, 'periodMs'));
    return new SimTimer(this, period, period, fn, undefined);
  }

  /** A Clock on this simulation whose timers can all be cancelled together. */
  timerGroup(): TimerGroup {
    return new TimerGroup(this, this.epochMs);
  }

  /**
   * Low-level scheduling for simulator components: calls `fn(arg)` at virtual
   * time `atMs` (clamped to now). Not cancellable; no Timer is allocated.
   */
  scheduleAt<A>(atMs: number, fn: (arg: A) => void, arg: A): void {
    if (Number.isNaN(atMs)) throw new RangeError('scheduleAt: time is NaN');
    this.queue.push(atMs > this.#now ? atMs : this.#now, fn as (arg: never) => void, arg);
  }

  // ---- trace ----

  /** The running trace fingerprint: 16 hex digits. */
  get traceHash(): string {
    return this.trace.hex();
  }

  /** Folds an application-level observation into the trace (e.g. "leader elected", term). */
  note(label: string, value = 0): void {
    this.trace.begin(TraceKind.note);
    this.trace.float(this.#now);
    this.trace.string(label);
    this.trace.float(value);
  }

  get stats(): SimulationStats {
    return { eventsRun: this.#eventsRun, drains: this.#drains, pending: this.queue.size };
  }

  // ---- async runs ----

  /** Runs until no events are left. */
  run(options?: RunOptions): Promise<void> {
    return this.#drive(Infinity, undefined, options).then(() => undefined);
  }

  /** Runs every event due within `ms` from now, then sets the time to now + ms. */
  runFor(ms: number, options?: RunOptions): Promise<void> {
    return this.#drive(this.#now + checkDelay(ms, 'ms'), undefined, options).then(() => undefined);
  }

  /**
   * With a number: runs every event due up to that absolute virtual time, then
   * sets the time to it. With a predicate: runs until it returns true (checked
   * before each event) or no events are left. Resolves to whether the condition holds.
   */
  async runUntil(condition: number | (() => boolean), options?: RunOptions): Promise<boolean> {
    if (typeof condition === 'number') {
      await this.#drive(condition, undefined, options);
      return true;
    }
    return (await this.#drive(Infinity, condition, options)) === SATISFIED;
  }

  /** Runs one event (and the continuations it causes); false when none is left. */
  async step(): Promise<boolean> {
    const before = this.#eventsRun;
    await this.#drive(Infinity, () => this.#eventsRun > before, { maxEvents: 1 });
    return this.#eventsRun > before;
  }

  /**
   * Runs until `promise` settles and returns its outcome. Throws
   * SimDeadlockError if the events run out first.
   */
  async settle<T>(promise: Promise<T>, options?: RunOptions): Promise<T> {
    let state: 'pending' | 'resolved' | 'rejected' = 'pending';
    let value: T | undefined;
    let error: unknown;
    promise.then(
      (v) => {
        state = 'resolved';
        value = v;
      },
      (e: unknown) => {
        state = 'rejected';
        error = e;
      },
    );
    await this.#drive(Infinity, () => state !== 'pending', options);
    if (state === 'pending') throw new SimDeadlockError(this.#now);
    if (state === 'rejected') throw error;
    return value as T;
  }

  // ---- sync runs ----

  runSync(options?: RunOptions): void {
    this.#driveSync(Infinity, undefined, options);
  }

  runForSync(ms: number, options?: RunOptions): void {
    this.#driveSync(this.#now + checkDelay(ms, 'ms'), undefined, options);
  }

  runUntilSync(condition: number | (() => boolean), options?: RunOptions): boolean {
    if (typeof condition === 'number') {
      this.#driveSync(condition, undefined, options);
      return true;
    }
    return this.#driveSync(Infinity, condition, options) === SATISFIED;
  }

  stepSync(): boolean {
    const before = this.#eventsRun;
    this.#driveSync(Infinity, () => this.#eventsRun > before, { maxEvents: 1 });
    return this.#eventsRun > before;
  }

  // ---- the loop ----

  #driveSync(limit: number, until: (() => boolean) | undefined, options: RunOptions | undefined): LoopResult {
    if (this.#running) throw new SimReentrancyError();
    this.#running = true;
    this.#budget = this.#budgetLimit = options?.maxEvents ?? this.#maxEventsPerRun;
    try {
      return this.#loop(limit, until, false);
    } finally {
      this.#running = false;
    }
  }

  #drive(limit: number, until: (() => boolean) | undefined, options: RunOptions | undefined): Promise<LoopResult> {
    if (this.#running) return Promise.reject(new SimReentrancyError());
    this.#running = true;
    this.#budget = this.#budgetLimit = options?.maxEvents ?? this.#maxEventsPerRun;
    const release = holdPromiseHooks();
    return new Promise<LoopResult>((resolve, reject) => {
      const runLoop = (): void => {
        this.#activityMark = promiseActivity();
        this.#ranSinceDrain = false;
        let result: LoopResult;
        try {
          result = this.#loop(limit, until, true);
        } catch (error) {
          this.#running = false;
          release();
          reject(error);
          return;
        }
        if (result !== YIELD) {
          this.#running = false;
          release();
          resolve(result);
          return;
        }
        this.#drains++;
        if (this.#alwaysDrain || this.#drains % MACROTASK_DRAIN_EVERY === 0) {
          setImmediate(runLoop);
        } else {
          queueMicrotask(checkQuiet);
        }
      };
      // Our own check is a plain microtask: it creates no promise, so it moves
      // no hook counter. It runs after every job queued before it; if those
      // touched promises they may have queued more, so check again after them.
      const checkQuiet = (): void => {
        const activity = promiseActivity();
        if (activity !== this.#activityMark) {
          this.#activityMark = activity;
          queueMicrotask(checkQuiet);
        } else {
          runLoop();
        }
      };
      // Start with a full macrotask drain: the caller may have just started async work.
      setImmediate(runLoop);
    });
  }

  #mayHaveMicrotasks(): boolean {
    return this.#alwaysDrain ? this.#ranSinceDrain : promiseActivity() !== this.#activityMark;
  }

  #loop(limit: number, until: (() => boolean) | undefined, async: boolean): LoopResult {
    const queue = this.queue;
    for (;;) {
      if (until !== undefined && until()) {
        return async && this.#mayHaveMicrotasks() ? YIELD : SATISFIED;
      }
      const t = queue.peekTime();
      if (t === Infinity || t > limit) {
        if (async && this.#mayHaveMicrotasks()) return YIELD;
        if (limit !== Infinity && limit > this.#now) this.#now = limit;
        return DONE;
      }
      if (async && t > this.#now && this.#mayHaveMicrotasks()) return YIELD;
      if (this.#budget <= 0) throw new SimRunawayError(this.#budgetLimit, this.#now);
      this.#budget--;
      queue.pop();
      if (t > this.#now) this.#now = t;
      this.#eventsRun++;
      this.#ranSinceDrain = true;
      (queue.poppedFn as (arg: unknown) => void)(queue.poppedArg);
    }
  }
}
