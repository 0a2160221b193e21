/** InmemStore: LogStore and StableStore in memory, for tests and simulations (as in Go). */
import { KeyNotFoundError, LogNotFoundError } from '../errors.js';
import type { Log } from '../log.js';
import type { LogStore, StableStore } from './stores.js';

function copyLog(l: Log): Log {
  return { ...l };
}

export class InmemStore implements LogStore, StableStore {
  #low = 0;
  #high = 0;
  readonly #logs = new Map<number, Log>();
  readonly #kv = new Map<string, Uint8Array>();
  readonly #kvInt = new Map<string, number>();

  async firstIndex(): Promise<number> {
    return this.#low;
  }

  async lastIndex(): Promise<number> {
    return this.#high;
  }

  async getLog(index: number): Promise<Log> {
    const l = this.#logs.get(index);
    if (l === undefined) throw new LogNotFoundError();
    return copyLog(l);
  }

  async storeLog(log: Log): Promise<void> {
    return this.storeLogs([log]);
  }

  async storeLogs(logs: readonly Log[]): Promise<void> {
    for (const l of logs) {
      this.#logs.set(l.index, copyLog(l));
      if (this.#low === 0) this.#low = l.index;
      if (l.index > this.#high) this.#high = l.index;
    }
  }

  async deleteRange(min: number, max: number): Promise<void> {
    if (max - min < this.#logs.size) for (let i = min; i <= max; i++) this.#logs.delete(i);
    else for (const i of [...this.#logs.keys()]) if (i >= min && i <= max) this.#logs.delete(i);
    if (min <= this.#low) this.#low = max + 1;
    if (max >= this.#high) this.#high = min - 1;
    if (this.#low > this.#high) {
      this.#low = 0;
      this.#high = 0;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.#kv.set(key, value.slice());
  }

  async get(key: string): Promise<Uint8Array> {
    const v = this.#kv.get(key);
    if (v === undefined) throw new KeyNotFoundError();
    return v.slice();
  }

  async setUint64(key: string, value: number): Promise<void> {
    this.#kvInt.set(key, value);
  }

  async getUint64(key: string): Promise<number> {
    const v = this.#kvInt.get(key);
    if (v === undefined) throw new KeyNotFoundError();
    return v;
  }

  /** Synchronous view of the stored entries in index order (for tests and invariant checks). */
  entries(): Log[] {
    const out: Log[] = [];
    if (this.#low === 0) return out;
    for (let i = this.#low; i <= this.#high; i++) {
      const l = this.#logs.get(i);
      if (l !== undefined) out.push(l);
    }
    return out;
  }

  /** Synchronous read of one entry (tests and invariant checks). */
  entry(index: number): Log | undefined {
    return this.#logs.get(index);
  }

  get firstIndexSync(): number {
    return this.#low;
  }

  get lastIndexSync(): number {
    return this.#high;
  }
}
