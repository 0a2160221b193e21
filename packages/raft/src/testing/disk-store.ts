/**
 * The production disk stores (WalLogStore + FileStableStore) behind the
 * InspectableStore the simulated cluster's invariant checker reads. The
 * checker needs the whole log synchronously, so this test wrapper mirrors
 * the entries in memory; the stores themselves keep only an index and a cache.
 */
import type { FileSystem } from '@shoal/kit';
import type { Log } from '../log.js';
import type { LogStore, StableStore } from '../storage/stores.js';
import { FileStableStore } from '../storage/wal/stable-store.js';
import { WalLogStore } from '../storage/wal/wal-log-store.js';
import type { WalLogStoreOptions } from '../storage/wal/wal-log-store.js';
import type { InspectableStore } from './cluster-server.js';

export class InspectableDiskStore implements InspectableStore, LogStore, StableStore {
  readonly log: WalLogStore;
  readonly stable: FileStableStore;
  #mirror: Log[];

  private constructor(log: WalLogStore, stable: FileStableStore, mirror: Log[]) {
    this.log = log;
    this.stable = stable;
    this.#mirror = mirror;
  }

  /** Opens `<dir>/wal` and `<dir>/stable` on `fs`, as they survived the last crash. */
  static async open(fs: FileSystem, dir: string, options: WalLogStoreOptions = {}): Promise<InspectableDiskStore> {
    const log = await WalLogStore.open(fs, `${dir}/wal`, options);
    const stable = await FileStableStore.open(fs, `${dir}/stable`);
    const mirror: Log[] = [];
    const first = await log.firstIndex();
    const last = await log.lastIndex();
    for (let i = first; i <= last && last > 0; i++) mirror.push(await log.getLog(i));
    return new InspectableDiskStore(log, stable, mirror);
  }

  /** Bytes of a torn tail the log cut when it was opened. */
  get truncatedBytes(): number {
    return this.log.stats().cutBytes;
  }

  get reusedSegments(): number {
    return this.log.stats().reusedSegments;
  }

  entries(): Log[] {
    return this.#mirror.map((l) => ({ ...l }));
  }

  isMonotonic(): boolean {
    return true;
  }

  firstIndex(): Promise<number> {
    return this.log.firstIndex();
  }

  lastIndex(): Promise<number> {
    return this.log.lastIndex();
  }

  getLog(index: number): Promise<Log> {
    return this.log.getLog(index);
  }

  storeLog(log: Log): Promise<void> {
    return this.storeLogs([log]);
  }

  async storeLogs(logs: readonly Log[]): Promise<void> {
    const copies = logs.map((l) => ({ ...l }));
    await this.log.storeLogs(logs);
    const start = copies[0]?.index;
    if (start === undefined) return;
    const last = this.#mirror.at(-1)?.index;
    this.#mirror = last === undefined || last + 1 === start ? this.#mirror.concat(copies) : copies;
  }

  async deleteRange(min: number, max: number): Promise<void> {
    await this.log.deleteRange(min, max);
    this.#mirror = this.#mirror.filter((l) => l.index < min || l.index > max);
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.stable.set(key, value);
  }

  get(key: string): Promise<Uint8Array> {
    return this.stable.get(key);
  }

  setUint64(key: string, value: number): Promise<void> {
    return this.stable.setUint64(key, value);
  }

  getUint64(key: string): Promise<number> {
    return this.stable.getUint64(key);
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.stable.close();
  }
}
