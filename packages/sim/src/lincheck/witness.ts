import type { SearchBudget } from './budget.js';
import type { LinModel, LinOperation, LinPartition } from './model.js';
import { searchWithin } from './search.js';

/** Why a (sub-)history is not linearizable, small enough to read. */
export interface LinWitness<I, O> {
  /** The partition it came from (for the KV model, the key). */
  readonly label: string;
  /** How many operations that partition has. */
  readonly partitionSize: number;
  /**
   * Operations that cannot be linearized together, by call time. No one of
   * them can be dropped (when `minimal`). Those still running at `cut` appear
   * with a null return: their outcome is not needed to show the violation.
   */
  readonly ops: readonly LinOperation<I, O>[];
  /**
   * The time of the earliest return after which the partition is not
   * linearizable: the history up to just before it is.
   */
  readonly cut: number;
  /** Ids of the operations that returned at `cut`. */
  readonly culprits: readonly number[];
  /**
   * Whether `cut` is known to be the earliest such return (false when the
   * budget ran out first: the partition is then not linearizable up to `cut`,
   * and maybe not before either).
   */
  readonly cutIsEarliest: boolean;
  /** Ids of operations in `ops` that had not returned by `cut` in the original history. */
  readonly runningAtCut: readonly number[];
  /** False when the budget ran out while shrinking: still a violation, perhaps not a minimal one. */
  readonly minimal: boolean;
}

/**
 * Explains a partition already found not linearizable. First the earliest
 * return that makes it so: linearizability is prefix-closed, so a binary
 * search over returns finds it. Then a small violating subset of that
 * prefix: the shortest run of operations called last before that return that
 * still cannot be linearized (trying 8, 16, 32... of them), shrunk by
 * dropping chunks, then single operations, while it still cannot be.
 * Half the budget goes to each stage.
 */
export function* explainViolation<S, I, O>(
  model: LinModel<S, I, O>,
  part: LinPartition<I, O>,
  budget: SearchBudget,
): Generator<void, LinWitness<I, O>> {
  const ops = [...part.ops].sort((a, b) => a.call - b.call || a.id - b.id);
  const cuts = [...new Set(ops.flatMap((op) => (op.return === null ? [] : [op.return])))].sort((a, b) => a - b);
  if (cuts.length === 0) throw new Error('explainViolation: a history without returns is always linearizable');
  const cutBudget = budget.share(0.5);
  const shrinkBudget = budget.share(1);

  // Invariant: the prefix up to cuts[high] is not linearizable (the whole partition is not).
  let low = 0;
  let high = cuts.length - 1;
  let cutIsEarliest = true;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const { verdict } = yield* searchWithin(model, prefixUntil(ops, cuts[middle]!), cutBudget);
    if (verdict === 'unknown') {
      cutIsEarliest = false;
      break;
    }
    if (verdict === 'illegal') high = middle;
    else low = middle + 1;
  }
  const cut = cuts[high]!;
  const culprits = new Set(ops.filter((op) => op.return === cut).map((op) => op.id));
  const shrinker = new Shrinker(model, prefixUntil(ops, cut), culprits, shrinkBudget);
  yield* shrinker.shortestTail();
  yield* shrinker.dropChunks();

  const original = new Map(part.ops.map((op) => [op.id, op]));
  const witness = shrinker.current;
  return {
    label: part.label,
    partitionSize: part.ops.length,
    ops: witness,
    cut,
    culprits: witness.filter((op) => culprits.has(op.id)).map((op) => op.id),
    cutIsEarliest,
    runningAtCut: witness.filter((op) => op.return === null && original.get(op.id)?.return !== null).map((op) => op.id),
    minimal: shrinker.complete,
  };
}

/**
 * The history as it stood at time `cut`: operations called by then, those
 * that had not returned by then turned into ones with an unknown outcome.
 */
export function prefixUntil<I, O>(ops: readonly LinOperation<I, O>[], cut: number): LinOperation<I, O>[] {
  const prefix: LinOperation<I, O>[] = [];
  for (const op of ops) {
    if (op.call > cut) continue;
    prefix.push(op.return !== null && op.return > cut ? { ...op, output: undefined, return: null } : op);
  }
  return prefix;
}

/**
 * Shrinks a non-linearizable history (sorted by call time) while keeping it
 * non-linearizable, keeping at least one culprit, and orphaning no
 * observation (see LinModel.orphans). Stops early when the budget runs out.
 */
class Shrinker<S, I, O> {
  current: LinOperation<I, O>[];
  complete = true;
  #orphans: ReadonlySet<number>;

  constructor(
    private readonly model: LinModel<S, I, O>,
    start: LinOperation<I, O>[],
    private readonly culprits: ReadonlySet<number>,
    private readonly budget: SearchBudget,
  ) {
    this.current = start;
    this.#orphans = model.orphans?.(start) ?? new Set();
  }

  /** Keeps only the shortest violating run of the operations called last (plus the culprits). */
  *shortestTail(): Generator<void> {
    const all = this.current;
    for (let size = 8; size < all.length && !this.#stopped(); size *= 2) {
      const from = all.length - size;
      const tail = all.filter((op, i) => i >= from || this.culprits.has(op.id));
      if (yield* this.#tryReplace(tail)) return;
    }
  }

  /** Drops chunks of halving size, then single operations until none can go (or the budget is spent). */
  *dropChunks(): Generator<void> {
    let chunk = Math.max(1, this.current.length >>> 1);
    while (!this.#stopped()) {
      let changed = false;
      for (let at = 0; at < this.current.length && !this.#stopped(); ) {
        const candidate = [...this.current.slice(0, at), ...this.current.slice(at + chunk)];
        if (yield* this.#tryReplace(candidate)) changed = true;
        else at += chunk;
      }
      if (chunk > 1) chunk = Math.max(1, chunk >>> 1);
      else if (!changed) return;
    }
  }

  #stopped(): boolean {
    if (!this.budget.exhausted()) return false;
    this.complete = false;
    return true;
  }

  *#tryReplace(candidate: LinOperation<I, O>[]): Generator<void, boolean> {
    if (!candidate.some((op) => this.culprits.has(op.id))) return false;
    let orphans: ReadonlySet<number> | undefined;
    if (this.model.orphans) {
      orphans = this.model.orphans(candidate);
      for (const id of orphans) if (!this.#orphans.has(id)) return false;
    }
    const { verdict } = yield* searchWithin(this.model, candidate, this.budget);
    // Undecided (a budget ran out): the candidate stays unproven, so what is kept may not be minimal.
    if (verdict === 'unknown') this.complete = false;
    if (verdict !== 'illegal') return false;
    this.current = candidate;
    if (orphans) this.#orphans = orphans;
    return true;
  }
}
