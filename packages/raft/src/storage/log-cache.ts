/**
 * LogCache: a ring of the most recently stored entries in front of a slower
 * LogStore (Go's LogCache). Reads of recent entries (replication) skip the store.
 */
import type { Log } from '../log.js';
import type { LogStore } from './stores.js';

export class LogCache implements LogStore {
  readonly #store: LogStore;
  readonly #cache: (Log | undefined)[];

  constructor(capacity: number, store: LogStore) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be positive');
    this.#store = store;
    this.#cache = new Array<Log | undefined>(capacity).fill(undefined);
  }

  isMonotonic(): boolean {
    return this.#store.isMonotonic?.() ?? false;
  }

  async getLog(index: number): Promise<Log> {
    const cached = this.#cache[index % this.#cache.length];
    if (cached !== undefined && cached.index === index) return { ...cached };
    return this.#store.getLog(index);
  }

  async storeLog(log: Log): Promise<void> {
    return this.storeLogs([log]);
  }

  async storeLogs(logs: readonly Log[]): Promise<void> {
    // Store first: a failed write must not leave entries readable from the cache.
    await this.#store.storeLogs(logs);
    for (const l of logs) this.#cache[l.index % this.#cache.length] = { ...l };
  }

  async firstIndex(): Promise<number> {
    return this.#store.firstIndex();
  }

  async lastIndex(): Promise<number> {
    return this.#store.lastIndex();
  }

  async deleteRange(min: number, max: number): Promise<void> {
    // Invalidate the whole cache, as Go does: deletes are rare (compaction, truncation).
    this.#cache.fill(undefined);
    return this.#store.deleteRange(min, max);
  }
}
