import { ConfigCache, LinearizedSet } from './config-cache.js';
import { EventList } from './event-list.js';
import type { LinStopReason, SearchBudget } from './budget.js';
import type { LinModel, LinOperation } from './model.js';

/**
 * Steps between budget checks and between pauses of an asynchronous check.
 * Also how far a search may overshoot its memory budget: at most one memo
 * entry per step.
 */
export const SEARCH_SLICE_STEPS = 20_000;

/** The outcome of one search: a verdict, or 'unknown' and the limit that stopped it. */
export type SearchOutcome = { verdict: 'ok' | 'illegal'; steps: number } | { verdict: 'unknown'; steps: number; stopped: LinStopReason };

/**
 * Searches `ops` within `budget`, pausing (yielding) after every slice of
 * steps so a driver can check the clock or let the event loop run. Stops
 * with 'unknown' when a shared limit runs out or when this search's memory
 * estimate passes the budget's cap.
 */
export function* searchWithin<S, I, O>(
  model: LinModel<S, I, O>,
  ops: readonly LinOperation<I, O>[],
  budget: SearchBudget,
): Generator<void, SearchOutcome> {
  const search = new LinSearch(model, ops);
  for (;;) {
    const spent = budget.exhaustedBy();
    if (spent !== undefined) return { verdict: 'unknown', steps: search.steps, stopped: spent };
    if (search.memoryBytes > budget.maxMemoryBytes) return { verdict: 'unknown', steps: search.steps, stopped: 'memory' };
    const before = search.steps;
    const outcome = search.run(Math.min(SEARCH_SLICE_STEPS, budget.stepsLeft));
    budget.spend(search.steps - before);
    if (outcome !== 'running') return { verdict: outcome, steps: search.steps };
    yield;
  }
}

/**
 * Wing & Gong's search for a linearization of one (sub-)history, with Lowe's
 * memo of visited configurations, as in Porcupine.
 *
 * The history is a doubly linked list of call and return events in time
 * order. The candidates for the next linearization point are the calls before
 * the first remaining return: those operations are minimal in the real-time
 * order. Linearizing one removes ("lifts") its events; when no candidate
 * works, the search backtracks. Candidates are tried earliest return first,
 * which is usually the order they took effect in.
 *
 * A read (see LinModel.isReadOnly) that fits the current state is
 * linearized at once, without trying the others: see #gatherCandidates.
 *
 * Operations whose outcome is unknown have no return event: they may take
 * effect at any time after their call, or never, so the search succeeds once
 * every operation with a known outcome is linearized. They are tried after
 * the known candidates, as they are optional and usually did not matter. Two
 * prunings keep them from multiplying the search: the memo treats a
 * configuration with fewer of them linearized as covering one with more
 * (see ConfigCache), and an unknown operation right after another is skipped
 * when it leaves the state it would have left without the other (the other
 * then made no difference, and the sibling configuration without it covers
 * this one). And of unknown operations the model says have the same effect
 * (LinModel.unknownEffectKey), only one at a time is a candidate.
 *
 * The search is resumable: `run(steps)` does bounded work, so callers can
 * enforce budgets and stay responsive.
 */
export class LinSearch<S, I, O> {
  readonly #model: LinModel<S, I, O>;
  /** Operations are renumbered: known ones by call time, then unknown ones. */
  readonly #knownCount: number;
  readonly #inputs: I[];
  /** undefined for operations with an unknown outcome. */
  readonly #outputs: (O | undefined)[];
  /** Candidate priority: known by return time, then unknown, latest call first. */
  readonly #rank: Int32Array;
  /** For unknown operations: a class number shared by those with the same effect, or -1. */
  readonly #effectClass: Int32Array;
  /** Per effect class, the #gathered stamp of the last gathering that offered one of its members. */
  readonly #classOffered: Int32Array;
  /** 1 for known operations the model says never change the state. */
  readonly #readOnly: Uint8Array;

  readonly #events: EventList;
  readonly #linearized: LinearizedSet;
  readonly #cache: ConfigCache<S>;
  #knownLeft: number;

  // The search stack: frame d is the configuration with d operations linearized.
  #depth = 0;
  readonly #frameState: S[] = [];
  /** The operation linearized to reach frame d (-1 for frame 0). */
  readonly #frameVia: number[] = [];
  /** Frame d's candidates are #pool[#frameStart[d] .. #frameEnd[d]). */
  readonly #frameStart: number[] = [];
  readonly #frameEnd: number[] = [];
  /** Index in #pool of the candidate frame d tries next. */
  readonly #frameNext: number[] = [];
  /** The candidate frame d is trying, its successor states and the next one to try. */
  readonly #frameOp: number[] = [];
  readonly #frameSuccessors: (readonly S[])[] = [];
  readonly #frameChoice: number[] = [];
  #pool = new Int32Array(64);

  /** Counts #gatherCandidates calls, to stamp #classOffered. */
  #gathered = 0;
  #result: 'ok' | 'illegal' | undefined;
  #steps = 0;
  #deepest = 0;

  constructor(model: LinModel<S, I, O>, ops: readonly LinOperation<I, O>[]) {
    this.#model = model;
    const byCall = (a: LinOperation<I, O>, b: LinOperation<I, O>): number => a.call - b.call || a.id - b.id;
    const known = ops.filter((op) => op.return !== null).sort(byCall);
    // Unknown operations numbered by call time; they are tried latest first (see #rank).
    const unknown = ops.filter((op) => op.return === null).sort(byCall);
    const ordered = [...known, ...unknown];
    const n = ordered.length;
    this.#knownCount = known.length;
    this.#knownLeft = known.length;
    this.#inputs = ordered.map((op) => op.input);
    this.#outputs = ordered.map((op) => (op.return === null ? undefined : op.output));
    this.#rank = new Int32Array(n);
    this.#effectClass = new Int32Array(n).fill(-1);
    const classes = new Map<string, number>();
    for (let i = known.length; i < n; i++) {
      const key = model.unknownEffectKey?.(ordered[i]!.input);
      if (key === undefined) continue;
      if (!classes.has(key)) classes.set(key, classes.size);
      this.#effectClass[i] = classes.get(key)!;
    }
    this.#classOffered = new Int32Array(classes.size);
    this.#readOnly = new Uint8Array(n);
    known.forEach((op, i) => (this.#readOnly[i] = model.isReadOnly?.(op.input, op.output) ? 1 : 0));
    known
      .map((op, i) => ({ ret: op.return!, i }))
      .sort((a, b) => a.ret - b.ret || a.i - b.i)
      .forEach(({ i }, rank) => (this.#rank[i] = rank));
    // Unknown candidates last, the latest called first: a read that needs one usually needs a recent one.
    for (let i = known.length; i < n; i++) this.#rank[i] = known.length + (n - 1 - i);

    this.#events = new EventList(
      ordered.map((op) => op.call),
      ordered.map((op) => op.return),
    );

    this.#linearized = new LinearizedSet(known.length, unknown.length);
    this.#cache = new ConfigCache(model.equal.bind(model), model.stateBytes?.bind(model));
    const initial = model.init();
    this.#cache.addUnlessSubsumed(this.#linearized, initial, model.hash(initial));
    this.#pushFrame(initial, -1);
  }

  /** Search steps taken so far (one per candidate outcome tried). */
  get steps(): number {
    return this.#steps;
  }

  /** The most operations linearized at once so far. */
  get deepest(): number {
    return this.#deepest;
  }

  /** Configurations memoised so far. */
  get configurations(): number {
    return this.#cache.size;
  }

  /**
   * Estimated bytes this search holds: the memo, and the search stack (eight
   * arrays of frames plus the candidate pool), which grow with the deepest
   * point reached. The history's own events are not counted.
   */
  get memoryBytes(): number {
    return this.#cache.bytes + this.#frameVia.length * FRAME_BYTES + this.#pool.byteLength;
  }

  /** Searches for at most `maxSteps` steps: a verdict, or 'running' to be resumed. */
  run(maxSteps: number): 'ok' | 'illegal' | 'running' {
    if (this.#result !== undefined) return this.#result;
    const limit = this.#steps + maxSteps;
    const model = this.#model;
    while (this.#knownLeft > 0) {
      if (this.#steps >= limit) return 'running';
      this.#steps++;
      const d = this.#depth;
      const successors = this.#frameSuccessors[d]!;
      const choice = this.#frameChoice[d]!;
      if (choice >= successors.length) {
        // On to the frame's next candidate, or back up when there is none.
        const at = this.#frameNext[d]!;
        if (at < this.#frameEnd[d]!) {
          const op = this.#pool[at]!;
          this.#frameNext[d] = at + 1;
          this.#frameOp[d] = op;
          this.#frameSuccessors[d] = model.step(this.#frameState[d]!, this.#inputs[op]!, this.#outputs[op]);
          this.#frameChoice[d] = 0;
        } else if (d === 0) {
          this.#result = 'illegal';
          return this.#result;
        } else {
          this.#popFrame();
        }
        continue;
      }
      this.#frameChoice[d] = choice + 1;
      const op = this.#frameOp[d]!;
      const successor = successors[choice]!;
      if (op >= this.#knownCount) {
        // An unknown operation that changes nothing here is covered by not linearizing it.
        if (model.equal(successor, this.#frameState[d]!)) continue;
        if (this.#afterUselessUnknown(d, op, successor)) continue;
      }
      this.#linearized.toggle(op);
      if (this.#cache.addUnlessSubsumed(this.#linearized, successor, model.hash(successor))) {
        this.#events.lift(op);
        this.#pushFrame(successor, op);
      } else {
        this.#linearized.toggle(op);
      }
    }
    this.#result = 'ok';
    return this.#result;
  }

  /**
   * Whether unknown `op`, taking frame d to `successor`, follows an unknown
   * operation whose effect it erases: `op` straight from frame d-1 reaches the
   * same state, and that sibling configuration covers this one.
   */
  #afterUselessUnknown(d: number, op: number, successor: S): boolean {
    const via = this.#frameVia[d]!;
    if (via < this.#knownCount) return false;
    const model = this.#model;
    for (const sibling of model.step(this.#frameState[d - 1]!, this.#inputs[op]!, undefined)) {
      if (model.equal(sibling, successor)) return true;
    }
    return false;
  }

  #pushFrame(state: S, via: number): void {
    const d = this.#frameVia.length === 0 ? 0 : this.#depth + 1;
    if (via !== -1) {
      this.#knownLeft -= via < this.#knownCount ? 1 : 0;
      if (d > this.#deepest) this.#deepest = d;
    }
    this.#depth = d;
    this.#frameState[d] = state;
    this.#frameVia[d] = via;
    const start = d === 0 ? 0 : this.#frameEnd[d - 1]!;
    const end = this.#gatherCandidates(start, state);
    this.#frameStart[d] = start;
    this.#frameEnd[d] = end;
    this.#frameNext[d] = start;
    this.#frameOp[d] = -1;
    this.#frameSuccessors[d] = NONE as readonly S[];
    this.#frameChoice[d] = 0;
  }

  #popFrame(): void {
    const d = this.#depth;
    const via = this.#frameVia[d]!;
    this.#events.unlift(via);
    this.#linearized.toggle(via);
    this.#knownLeft += via < this.#knownCount ? 1 : 0;
    this.#depth = d - 1;
  }

  /**
   * Writes the current candidates into #pool from `start`, best first, and
   * returns the end. A read-only candidate that fits `state` is taken alone:
   * whatever order works from here also works with it first, since it is
   * minimal in real time and changes no state, so there is no need to try
   * the others here.
   */
  #gatherCandidates(start: number, state: S): number {
    let end = start;
    const stamp = ++this.#gathered;
    const rank = this.#rank;
    const events = this.#events;
    for (let e = events.next[events.head]!; e !== -1 && events.isCall(e); e = events.next[e]!) {
      if (end === this.#pool.length) {
        const grown = new Int32Array(this.#pool.length * 2);
        grown.set(this.#pool);
        this.#pool = grown;
      }
      // Insertion sort by rank: candidate lists are as short as the concurrency.
      const op = events.op(e);
      const effectClass = this.#effectClass[op]!;
      if (effectClass !== -1) {
        // Another unknown operation with the same effect is already a candidate here.
        if (this.#classOffered[effectClass] === stamp) continue;
        this.#classOffered[effectClass] = stamp;
      }
      let i = end++;
      while (i > start && rank[this.#pool[i - 1]!]! > rank[op]!) {
        this.#pool[i] = this.#pool[i - 1]!;
        i--;
      }
      this.#pool[i] = op;
    }
    const model = this.#model;
    for (let i = start; i < end; i++) {
      const op = this.#pool[i]!;
      if (this.#readOnly[op] === 0) continue;
      const successors = model.step(state, this.#inputs[op]!, this.#outputs[op]);
      if (successors.length > 0) {
        this.#pool[start] = op;
        return start + 1;
      }
    }
    return end;
  }
}

const NONE: readonly never[] = [];

/** One frame of the search stack: a slot in each of its eight arrays (the successor arrays are the model's). */
const FRAME_BYTES = 8 * 8;
