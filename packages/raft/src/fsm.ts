/** The user's replicated state machine (Go's FSM, BatchingFSM, FSMSnapshot, ConfigurationStore). */
import type { Configuration } from './configuration.js';
import type { Log } from './log.js';
import type { SnapshotSink, SnapshotSource } from './storage/snapshot.js';

export interface FSM {
  /**
   * Applies a committed LogCommand entry. Must be deterministic. The result
   * (or, if it returns a Promise, what that resolves to) becomes the response
   * of apply() on the leader. Entries are applied one at a time, in order;
   * a thrown error becomes the response rather than stopping raft.
   */
  apply(log: Log): unknown;
  /**
   * Captures a point-in-time view quickly (applies wait for it); the slow work
   * belongs in FSMSnapshot.persist, which runs concurrently with applies.
   */
  snapshot(): FSMSnapshot | Promise<FSMSnapshot>;
  /** Replaces all state with the snapshot's. Never concurrent with apply. */
  restore(source: SnapshotSource): Promise<void>;
}

/** An FSM that takes committed entries in batches (LogCommand and LogConfiguration). */
export interface BatchingFSM extends FSM {
  /** One response per entry, same order. */
  applyBatch(logs: Log[]): unknown[] | Promise<unknown[]>;
}

export interface FSMSnapshot {
  /** Writes the state to `sink`, then calls sink.close() (or sink.cancel() on error). */
  persist(sink: SnapshotSink): Promise<void>;
  /** Called when raft is done with the snapshot, whether or not it persisted it. */
  release(): void;
}

/** An FSM that also records configurations as they commit. */
export interface ConfigurationStore extends FSM {
  storeConfiguration(index: number, configuration: Configuration): void;
}

export function isBatchingFSM(fsm: FSM): fsm is BatchingFSM {
  return typeof (fsm as Partial<BatchingFSM>).applyBatch === 'function';
}

export function isConfigurationStore(fsm: FSM): fsm is ConfigurationStore {
  return typeof (fsm as Partial<ConfigurationStore>).storeConfiguration === 'function';
}

/** A snapshot that is one piece of bytes, `encode`d when persisted: written, then the sink closed (cancelled on error). */
export function bytesSnapshot(encode: () => Uint8Array): FSMSnapshot {
  return {
    async persist(sink: SnapshotSink) {
      try {
        await sink.write(encode());
        await sink.close();
      } catch (err) {
        await sink.cancel();
        throw err;
      }
    },
    release() {},
  };
}
