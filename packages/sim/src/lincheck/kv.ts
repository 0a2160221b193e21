import type { LinModel, LinOperation, LinPartition } from './model.js';

/** An operation on a key-value store. `cas` with `expect: null` succeeds when the key is absent. */
export type KvInput =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expect: string | null; readonly value: string };

/** get: the value, or null when the key is absent; cas: whether it swapped; put and append: null. */
export type KvOutput = string | null | boolean;

export type KvOperation = LinOperation<KvInput, KvOutput>;

/**
 * The state after a write that no operation on the key observes (see
 * `partition`). No read or cas can match it, and whatever is appended to it
 * stays unobservable, so all such states behave alike and the search may treat
 * them as one.
 */
export const UNOBSERVED: unique symbol = Symbol('unobserved');

/** The value of one key (null: absent). The model is only used per key: see `partition`. */
export type KvState = string | null | typeof UNOBSERVED;

/** What kvModel.partition adds to a write: nothing on its key ever sees what it wrote. */
interface MarkedInput {
  readonly unobserved?: boolean;
}

/**
 * The key-value model. Keys are independent, so `partition` splits a history
 * by key and each key is checked alone (as Porcupine does); `step` then only
 * sees one key's operations. Gets that never returned are dropped there: they
 * change nothing and their output is not checked. Writes whose value no read
 * or cas on the key could ever see are marked, and `step` maps the states
 * they lead to onto UNOBSERVED: that keeps writes which timed out, and were
 * never read, from multiplying the states the search must tell apart.
 */
export const kvModel: LinModel<KvState, KvInput, KvOutput> = {
  name: 'kv',
  partitionName: 'key',
  init: () => null,
  step(state, input, output) {
    const unobserved = (input as MarkedInput).unobserved === true;
    switch (input.op) {
      case 'get':
        return output === undefined || output === state ? [state] : [];
      case 'put':
        return [unobserved ? UNOBSERVED : input.value];
      case 'append':
        return [unobserved || state === UNOBSERVED ? UNOBSERVED : (state ?? '') + input.value];
      case 'cas': {
        const swaps = state === input.expect;
        if (output !== undefined && output !== swaps) return [];
        return [swaps ? (unobserved ? UNOBSERVED : input.value) : state];
      }
    }
  },
  isReadOnly: (input, output) => input.op === 'get' || (input.op === 'cas' && output === false),
  unknownEffectKey(input) {
    const unobserved = (input as MarkedInput).unobserved === true;
    switch (input.op) {
      case 'get':
        return 'get';
      case 'put':
        return unobserved ? 'hide' : `put ${input.value}`;
      case 'append':
        // Appending something unobservable hides the state just as such a put does.
        return unobserved ? 'hide' : undefined;
      case 'cas':
        return unobserved ? `hide if ${JSON.stringify(input.expect)}` : undefined;
    }
  },
  equal: (a, b) => a === b,
  hash: (state) => (state === null ? 0x2545f491 : state === UNOBSERVED ? 0x6a09e667 : fnv1a(state)),
  // Appends build new strings (flat once hashed: about a byte a character). Written values
  // are shared with the inputs but counted too: an overestimate errs on the safe side.
  stateBytes: (state) => (typeof state === 'string' ? state.length : 0),
  partition(history) {
    const byKey = new Map<string, KvOperation[]>();
    for (const op of history) {
      if (op.input.op === 'get' && op.return === null) continue;
      const ops = byKey.get(op.input.key);
      if (ops) ops.push(op);
      else byKey.set(op.input.key, [op]);
    }
    return [...byKey].map(([key, ops]): LinPartition<KvInput, KvOutput> => ({ label: key, ops: markUnobserved(ops) }));
  },
  describe: describeKv,
  orphans: kvOrphans,
};

/** `put("k", "v")`, `get("k") -> "v"`, `cas("k", absent -> "v") -> false`; `-> ?` when it never returned. */
export function describeKv(op: KvOperation): string {
  const input = op.input;
  const key = JSON.stringify(input.key);
  const unknown = op.return === null;
  switch (input.op) {
    case 'get':
      return `get(${key}) -> ${unknown ? '?' : showValue(op.output)}`;
    case 'put':
    case 'append':
      return `${input.op}(${key}, ${JSON.stringify(input.value)})`;
    case 'cas':
      return `cas(${key}, ${showValue(input.expect)} -> ${JSON.stringify(input.value)}) -> ${unknown ? '?' : String(op.output)}`;
  }
}

function showValue(value: KvOutput | KvState | undefined): string {
  return value === null ? 'absent' : JSON.stringify(value);
}

/**
 * Reads and successful cas operations whose observed value no put, cas or
 * sequence of appends among `ops` could have produced (in any order).
 */
function kvOrphans(ops: readonly KvOperation[]): ReadonlySet<number> {
  const written = new Set<string>();
  const appended = new Set<string>();
  for (const op of ops) {
    const input = op.input;
    if (input.op === 'put' || (input.op === 'cas' && (op.return === null || op.output === true))) written.add(input.value);
    else if (input.op === 'append' && input.value !== '') appended.add(input.value);
  }
  const orphans = new Set<number>();
  for (const op of ops) {
    if (op.return === null) continue;
    const input = op.input;
    const seen = input.op === 'get' ? op.output : input.op === 'cas' && op.output === true ? input.expect : null;
    if (typeof seen === 'string' && !producible(seen, written, appended)) orphans.add(op.id);
  }
  return orphans;
}

/** Whether `value` is a written value or the empty string followed by appends (word break). */
function producible(value: string, written: ReadonlySet<string>, appended: ReadonlySet<string>): boolean {
  if (written.has(value)) return true;
  if (appended.size === 0) return false;
  // Too costly to decide: say yes. At worst a witness then loses the write this read saw; it stays a violation.
  if (value.length * appended.size > 1_000_000) return true;
  const reachable = new Uint8Array(value.length + 1);
  reachable[0] = 1;
  for (const base of written) if (value.startsWith(base)) reachable[base.length] = 1;
  for (let at = 0; at < value.length; at++) {
    if (reachable[at] === 0) continue;
    for (const token of appended) if (value.startsWith(token, at)) reachable[at + token.length] = 1;
  }
  return reachable[value.length] === 1;
}

/**
 * Marks the writes of one key's operations whose value cannot be seen: no
 * read's output and no cas's expected value starts with a put or cas value,
 * or contains an appended string. (Empty values always count as seen.)
 */
function markUnobserved(ops: KvOperation[]): KvOperation[] {
  const seen = new Set<string>();
  for (const op of ops) {
    if (op.input.op === 'get' && typeof op.output === 'string' && op.return !== null) seen.add(op.output);
    if (op.input.op === 'cas' && op.input.expect !== null) seen.add(op.input.expect);
  }
  const sorted = [...seen].sort();
  const seenLength = sorted.reduce((sum, value) => sum + value.length, 0);
  const appendCount = ops.filter((op) => op.input.op === 'append').length;
  // Looking for appended strings inside every observation costs their product; past a bound, assume seen.
  const searchAppends = seenLength * appendCount <= 50_000_000;
  const startsSome = (value: string): boolean => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low < sorted.length && sorted[low]!.startsWith(value);
  };
  return ops.map((op) => {
    const input = op.input;
    if (input.op === 'get' || input.value === '') return op;
    const observed = input.op === 'append' ? !searchAppends || sorted.some((value) => value.includes(input.value)) : startsSome(input.value);
    if (observed) return op;
    const marked: KvInput & MarkedInput = { ...input, unobserved: true };
    return { ...op, input: marked };
  });
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
