/**
 * Durable state interfaces (Go's LogStore and StableStore). Every method is
 * async so on-disk stores can sit behind them; in-memory ones resolve at once.
 */
import type { Log } from '../log.js';

export interface LogStore {
  /** First index written; 0 when empty. */
  firstIndex(): Promise<number>;
  /** Last index written; 0 when empty. */
  lastIndex(): Promise<number>;
  /** The entry at `index`; rejects with LogNotFoundError when absent. */
  getLog(index: number): Promise<Log>;
  storeLog(log: Log): Promise<void>;
  /**
   * Stores a batch durably (one fsync for an on-disk store). Indexes may
   * leave a gap unless the store is monotonic. A store may keep the
   * entries' data and extensions arrays as given, to write them from and to
   * serve reads (Go's LogCache and InmemStore keep them too): they must not
   * change afterwards.
   */
  storeLogs(logs: readonly Log[]): Promise<void>;
  /** Deletes [min, max], inclusive. */
  deleteRange(min: number, max: number): Promise<void>;
  /** Go's MonotonicLogStore: true when the store cannot hold gaps (raft then deletes all logs on snapshot restore). */
  isMonotonic?(): boolean;
}

/** Small durable key/value store for raft's term and vote. Keys are ASCII names. */
export interface StableStore {
  set(key: string, value: Uint8Array): Promise<void>;
  /** The value, or an empty array when the key was never set (KeyNotFoundError is also accepted). */
  get(key: string): Promise<Uint8Array>;
  setUint64(key: string, value: number): Promise<void>;
  /** The value, or 0 when the key was never set (KeyNotFoundError is also accepted). */
  getUint64(key: string): Promise<number>;
}

/** StableStore keys, as Go raft writes them. */
export const KEY_CURRENT_TERM = 'CurrentTerm';
export const KEY_LAST_VOTE_TERM = 'LastVoteTerm';
export const KEY_LAST_VOTE_CAND = 'LastVoteCand';
