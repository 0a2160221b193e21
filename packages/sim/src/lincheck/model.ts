/**
 * The vocabulary of the linearizability checker: operations of a concurrent
 * history and the sequential specification (a model) they are checked against.
 */

/** One operation of a history, as a client observed it. */
export interface LinOperation<I, O> {
  /** Stable identity: the operation's position in the history as given (printed in witnesses). */
  readonly id: number;
  /** Who issued it; for display only (the checker does not need clients to be sequential). */
  readonly client: number;
  readonly input: I;
  /** What the client saw; ignored when `return` is null. */
  readonly output: O | undefined;
  /** When the client invoked it. */
  readonly call: number;
  /**
   * When the client saw the result, or null when it never did: the outcome is
   * unknown, so the operation may have taken effect at any point after `call`,
   * or never, and its output is not checked.
   */
  readonly return: number | null;
}

/**
 * A sequential specification. States are values: `step` returns new states and
 * never mutates the one it is given (the search keeps old states to backtrack).
 */
export interface LinModel<S, I, O> {
  readonly name: string;
  /** What one partition is called in reports ('key' for the KV model). Default 'partition'. */
  readonly partitionName?: string;
  init(): S;
  /**
   * The states that can follow `state` when `input` takes effect and yields
   * `output`. `output` is undefined for an operation whose outcome is unknown:
   * any output is acceptable then. An empty result means "impossible here";
   * more than one result makes the model nondeterministic.
   */
  step(state: S, input: I, output: O | undefined): readonly S[];
  /**
   * Optional: whether the operation leaves the state unchanged in every state
   * where it is possible (a read; a cas that failed). The search linearizes
   * such operations as soon as they fit, without trying alternatives first,
   * which saves much backtracking. Never true for an unknown outcome.
   */
  isReadOnly?(input: I, output: O | undefined): boolean;
  /**
   * Optional: a key such that two operations with equal keys, both with an
   * unknown outcome, have the same effect in every state (undefined: no such
   * promise). Once called, such operations stay available forever, so the
   * search tries only one of each kind at a time.
   */
  unknownEffectKey?(input: I): string | undefined;
  equal(a: S, b: S): boolean;
  /** A 32-bit hash consistent with `equal`. */
  hash(state: S): number;
  /**
   * Optional: roughly how many bytes `state` holds that other states do not
   * share (a string built by appends, say). The search adds it to its memory
   * estimate for each configuration it remembers. Default 0.
   */
  stateBytes?(state: S): number;
  /**
   * Splits a history into independent sub-histories that are linearizable
   * together exactly when each is (P-compositionality, e.g. one per key).
   * Each part is checked from `init()`. Omitted: the history is checked whole.
   */
  partition?(history: readonly LinOperation<I, O>[]): LinPartition<I, O>[];
  /** One line describing an operation, for witnesses: `put("k", "v")`, `get("k") -> "v"`. */
  describe?(op: LinOperation<I, O>): string;
  /**
   * For witness minimisation: the ids of operations in `ops` whose observation
   * nothing in `ops` could have produced (e.g. a read of a value no operation
   * in `ops` wrote). The minimiser never drops an operation if that would add
   * an id here, so a witness does not end up "explained" by a missing write.
   */
  orphans?(ops: readonly LinOperation<I, O>[]): ReadonlySet<number>;
}

/** A sub-history produced by `partition`, with a label for reports (e.g. the key). */
export interface LinPartition<I, O> {
  readonly label: string;
  readonly ops: readonly LinOperation<I, O>[];
}

/** The verdict on one history or sub-history. `unknown`: a budget ran out (or the check was aborted) first. */
export type LinVerdict = 'ok' | 'illegal' | 'unknown';
