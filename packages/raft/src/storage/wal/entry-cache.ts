/**
 * The most recently stored entries, bounded by a count and by bytes. A
 * monotonic log's recent entries are one contiguous run, so the cache is a
 * queue of them: appends at the back, eviction and head deletion at the
 * front, tail truncation at the back.
 */
import type { Log } from '../../log.js';

const ENTRY_OVERHEAD_BYTES = 64;

export function cachedSize(log: Log): number {
  return ENTRY_OVERHEAD_BYTES + log.data.length + log.extensions.length;
}

export class EntryCache {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #items: Log[] = [];
  #start = 0;
  #bytes = 0;

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#items.length - this.#start;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #firstIndex(): number {
    return this.#items[this.#start]?.index ?? 0;
  }

  get(index: number): Log | undefined {
    if (this.size === 0) return undefined;
    const log = this.#items[this.#start + index - this.#firstIndex()];
    return log !== undefined && log.index === index ? log : undefined;
  }

  /** Adds the entry after the newest; a non-adjacent entry restarts the run. */
  append(log: Log): void {
    if (this.#maxEntries === 0 || this.#maxBytes === 0) return;
    const newest = this.#items[this.#items.length - 1];
    if (this.size > 0 && newest!.index + 1 !== log.index) this.clear();
    this.#items.push(log);
    this.#bytes += cachedSize(log);
    while (this.size > this.#maxEntries || (this.#bytes > this.#maxBytes && this.size > 0)) this.#dropFront();
  }

  /** Forgets entries below `index`. */
  dropBefore(index: number): void {
    while (this.size > 0 && this.#items[this.#start]!.index < index) this.#dropFront();
  }

  /** Forgets entries from `index` on. */
  dropFrom(index: number): void {
    while (this.size > 0 && this.#items[this.#items.length - 1]!.index >= index) {
      this.#bytes -= cachedSize(this.#items.pop()!);
    }
    if (this.size === 0) this.clear();
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
    this.#bytes = 0;
  }

  #dropFront(): void {
    this.#bytes -= cachedSize(this.#items[this.#start]!);
    this.#items[this.#start++] = undefined as unknown as Log;
    if (this.#start > 1024 && this.#start * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#start);
      this.#start = 0;
    }
  }
}
