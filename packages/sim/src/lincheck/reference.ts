import type { KvOperation } from './kv.js';

/**
 * A brute-force linearizability check of a small KV history, written apart
 * from the real checker to test it: it tries every order of every choice of
 * the operations with unknown outcomes (all the known ones included), and
 * keeps those that respect real time and the KV semantics, over all keys at
 * once. Exponential: for histories of at most about 8 operations.
 */
export function bruteForceKvLinearizable(ops: readonly KvOperation[]): boolean {
  if (ops.length > 9) throw new RangeError(`brute force is for tiny histories, got ${ops.length} operations`);
  const unknown = ops.filter((op) => op.return === null);
  const known = ops.filter((op) => op.return !== null);
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...known, ...unknown.filter((_, i) => (mask >> i) & 1)];
    if (someOrderWorks(chosen, [])) return true;
  }
  return false;
}

function someOrderWorks(remaining: readonly KvOperation[], order: KvOperation[]): boolean {
  if (remaining.length === 0) return respectsRealTime(order) && legal(order);
  return remaining.some((op, i) => someOrderWorks([...remaining.slice(0, i), ...remaining.slice(i + 1)], [...order, op]));
}

/** No operation comes after one that was called after it had returned. */
function respectsRealTime(order: readonly KvOperation[]): boolean {
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const later = order[j]!;
      if (later.return !== null && later.return < order[i]!.call) return false;
    }
  }
  return true;
}

function legal(order: readonly KvOperation[]): boolean {
  const store = new Map<string, string>();
  for (const op of order) {
    const input = op.input;
    const current = store.has(input.key) ? store.get(input.key)! : null;
    const checked = op.return !== null;
    if (input.op === 'get') {
      if (checked && op.output !== current) return false;
    } else if (input.op === 'put') {
      store.set(input.key, input.value);
    } else if (input.op === 'append') {
      store.set(input.key, (current ?? '') + input.value);
    } else {
      const swapped = current === input.expect;
      if (checked && op.output !== swapped) return false;
      if (swapped) store.set(input.key, input.value);
    }
  }
  return true;
}
