// The KV table: entries by key, and a tombstone per deleted key (the raft index
// of its deletion) so that the index of a deleted key or a prefix still moves.
// Changes can be recorded in an undo log and rolled back (transactions).
import type { KVEntry } from './records.js';
import { StateInvariantError } from '../errors.js';

interface Undo {
  readonly key: string;
  readonly entry: KVEntry | undefined;
  readonly tombstone: number | undefined;
}

export class KvTable {
  readonly #entries = new Map<string, KVEntry>();
  readonly #tombstones = new Map<string, number>();
  #undo: Undo[] | undefined;
  #changes = 0;

  /** Counts puts and deletes, so a caller can tell whether an operation changed anything. */
  get changes(): number {
    return this.#changes;
  }

  get(key: string): KVEntry | undefined {
    return this.#entries.get(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Entries whose key starts with `prefix`, sorted by key. */
  list(prefix: string): KVEntry[] {
    const out: KVEntry[] = [];
    for (const [key, entry] of this.#entries) if (key.startsWith(prefix)) out.push(entry);
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  all(): IterableIterator<KVEntry> {
    return this.#entries.values();
  }

  tombstones(): IterableIterator<[string, number]> {
    return this.#tombstones.entries();
  }

  /** The highest deletion index among keys under `prefix` (0 if none). */
  maxTombstone(prefix: string): number {
    let max = 0;
    for (const [key, index] of this.#tombstones) if (index > max && key.startsWith(prefix)) max = index;
    return max;
  }

  tombstone(key: string): number {
    return this.#tombstones.get(key) ?? 0;
  }

  put(entry: KVEntry): void {
    if (entry.modifyIndex < entry.createIndex) throw new StateInvariantError(`kv ${JSON.stringify(entry.key)}: modifyIndex ${entry.modifyIndex} < createIndex ${entry.createIndex}`);
    this.#record(entry.key);
    this.#changes++;
    this.#entries.set(entry.key, entry);
    this.#tombstones.delete(entry.key);
  }

  delete(key: string, index: number): boolean {
    if (!this.#entries.has(key)) return false;
    this.#record(key);
    this.#changes++;
    this.#entries.delete(key);
    this.#tombstones.set(key, index);
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#tombstones.clear();
    this.#undo = undefined;
  }

  /** Restores a tombstone from a snapshot. */
  restoreTombstone(key: string, index: number): void {
    this.#tombstones.set(key, index);
  }

  /** Starts recording changes so that rollback() can undo them. */
  begin(): void {
    if (this.#undo) throw new StateInvariantError('kv: nested transaction');
    this.#undo = [];
  }

  commit(): void {
    this.#undo = undefined;
  }

  rollback(): void {
    const undo = this.#undo ?? [];
    this.#undo = undefined;
    for (const u of undo.reverse()) {
      if (u.entry) this.#entries.set(u.key, u.entry);
      else this.#entries.delete(u.key);
      if (u.tombstone === undefined) this.#tombstones.delete(u.key);
      else this.#tombstones.set(u.key, u.tombstone);
    }
  }

  #record(key: string): void {
    this.#undo?.push({ key, entry: this.#entries.get(key), tombstone: this.#tombstones.get(key) });
  }
}

/** Consul orders keys by their bytes; for UTF-16 strings code-unit order differs only outside the BMP, which keys rarely use. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Consul's ?keys&separator=: each key under `prefix`, cut just after the first `separator` past the prefix, without repeats. */
export function keysUpTo(entries: readonly KVEntry[], prefix: string, separator: string): string[] {
  const out: string[] = [];
  for (const { key } of entries) {
    const cut = separator === '' ? -1 : key.indexOf(separator, prefix.length);
    const shown = cut < 0 ? key : key.slice(0, cut + separator.length);
    if (out.at(-1) !== shown) out.push(shown);
  }
  return out;
}
