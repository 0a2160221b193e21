import { setImmediate as nextTurn } from 'node:timers/promises';
import { type LinStopReason, SearchBudget, type SearchBudgetOptions } from './budget.js';
import type { LinModel, LinOperation, LinPartition, LinVerdict } from './model.js';
import { searchWithin } from './search.js';
import { explainViolation, type LinWitness } from './witness.js';

export interface LinCheckOptions {
  /** Give up ('unknown', stopped 'steps') after this many search steps over all partitions. Default: no limit. */
  maxSteps?: number;
  /** Give up ('unknown', stopped 'time') after this long. Default: no limit. */
  timeoutMs?: number;
  /**
   * Give up on a partition ('unknown', stopped 'memory') once its search holds
   * more than this many bytes (an estimate of the memo and the search stack;
   * one partition is searched at a time, and other partitions are still
   * checked). Default DEFAULT_MAX_MEMORY_BYTES, so a check never exhausts the
   * heap; Infinity for no limit.
   */
  maxMemoryBytes?: number;
  /** The clock for `timeoutMs`, in ms. Default: performance.now. */
  now?: () => number;
  /** Explain a violation with a witness (default true). */
  witness?: boolean;
  /**
   * Steps allowed for finding and shrinking the witness (default 5,000,000);
   * `timeoutMs` applies to that stage afresh. When it runs out the witness is
   * still a violation, but perhaps not a minimal one.
   */
  witnessMaxSteps?: number;
}

export interface LinPartitionResult {
  readonly label: string;
  readonly size: number;
  readonly verdict: LinVerdict;
  readonly steps: number;
  /** For 'unknown': the limit that left it undecided (a partition never reached says which one stopped the run). */
  readonly stopped?: LinStopReason;
}

export interface LinCheckResult<I, O> {
  /** 'illegal' if any partition is; else 'unknown' if any is undecided; else 'ok'. */
  readonly verdict: LinVerdict;
  /** Per partition, in the order the model's partition() gave them. */
  readonly partitions: readonly LinPartitionResult[];
  /** Search steps spent deciding (not counting the witness). */
  readonly steps: number;
  /** For 'illegal': the violation in the smallest violating partition. */
  readonly witness?: LinWitness<I, O>;
  /**
   * Set when some partition was left undecided: 'aborted' if the signal
   * aborted the check, else the shared limit that stopped it ('steps',
   * 'time'), else 'memory' (one or more partitions outgrew the memory budget).
   * The partitions' own `stopped` say which limit left each undecided.
   */
  readonly stopped?: LinStopReason;
}

export const DEFAULT_WITNESS_MAX_STEPS = 5_000_000;

/** Checks `history` against `model`, synchronously. */
export function checkLinearizable<S, I, O>(
  model: LinModel<S, I, O>,
  history: readonly LinOperation<I, O>[],
  options: LinCheckOptions = {},
): LinCheckResult<I, O> {
  const run = checkSteps(model, history, options);
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
  }
}

/**
 * Checks `history` against `model`, letting the event loop run between slices
 * of search so that timers and signals (Ctrl-C) are served. An aborted check
 * answers 'unknown' with `stopped: 'aborted'`.
 */
export async function checkLinearizableAsync<S, I, O>(
  model: LinModel<S, I, O>,
  history: readonly LinOperation<I, O>[],
  options: LinCheckOptions & { signal?: AbortSignal } = {},
): Promise<LinCheckResult<I, O>> {
  const aborted = new AbortController();
  const onAbort = (): void => aborted.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) aborted.abort();
  try {
    const run = checkSteps(model, history, options, aborted.signal);
    for (;;) {
      const next = run.next();
      if (next.done) return next.value;
      await nextTurn();
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function* checkSteps<S, I, O>(
  model: LinModel<S, I, O>,
  history: readonly LinOperation<I, O>[],
  options: LinCheckOptions,
  signal?: AbortSignal,
): Generator<void, LinCheckResult<I, O>> {
  const budget = new SearchBudget(budgetOptions(options, options.maxSteps, signal));
  const partitions: readonly LinPartition<I, O>[] = model.partition?.(history) ?? [{ label: '', ops: history }];
  const results: LinPartitionResult[] = partitions.map((p) => ({ label: p.label, size: p.ops.length, verdict: 'unknown', steps: 0 }));
  let steps = 0;

  // Small partitions first, so one pathological partition cannot starve the rest of the budget.
  const order = partitions.map((_, i) => i).sort((a, b) => partitions[a]!.ops.length - partitions[b]!.ops.length || a - b);
  let runStopped: LinStopReason | undefined;
  for (const i of order) {
    const outcome = yield* searchWithin(model, partitions[i]!.ops, budget);
    results[i] = { ...results[i]!, verdict: outcome.verdict, steps: outcome.steps, ...(outcome.verdict === 'unknown' ? { stopped: outcome.stopped } : {}) };
    steps += outcome.steps;
    // A shared limit ends the run; a partition too big for memory leaves the others to check.
    runStopped = budget.exhaustedBy();
    if (runStopped !== undefined) break;
  }
  if (runStopped !== undefined) {
    for (const [i, r] of results.entries()) if (r.verdict === 'unknown' && r.stopped === undefined) results[i] = { ...r, stopped: runStopped };
  }

  const verdict: LinVerdict = results.some((r) => r.verdict === 'illegal')
    ? 'illegal'
    : results.some((r) => r.verdict === 'unknown')
      ? 'unknown'
      : 'ok';
  const undecided = results.some((r) => r.verdict === 'unknown');
  const stopped = !undecided ? undefined : (runStopped ?? 'memory');
  const result: LinCheckResult<I, O> = { verdict, partitions: results, steps, ...(stopped ? { stopped } : {}) };
  if (verdict !== 'illegal' || options.witness === false) return result;

  // An abort while explaining exhausts this budget too: the witness is then valid but unshrunk.
  const smallest = results
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.verdict === 'illegal')
    .sort((a, b) => a.r.size - b.r.size || a.i - b.i)[0]!;
  const witnessBudget = new SearchBudget(budgetOptions(options, options.witnessMaxSteps ?? DEFAULT_WITNESS_MAX_STEPS, signal));
  const explained = yield* explainViolation(model, partitions[smallest.i]!, witnessBudget);
  // Partitions may rewrite inputs for the search (kvModel marks unobserved writes): show the operations as given.
  const given = new Map(history.map((op) => [op.id, op]));
  const ops = explained.ops.map((op) => ({ ...op, input: given.get(op.id)?.input ?? op.input }));
  return { ...result, witness: { ...explained, ops } };
}

function budgetOptions(options: LinCheckOptions, maxSteps: number | undefined, signal: AbortSignal | undefined): SearchBudgetOptions {
  return {
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(options.maxMemoryBytes !== undefined ? { maxMemoryBytes: options.maxMemoryBytes } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(signal !== undefined ? { signal } : {}),
  };
}
