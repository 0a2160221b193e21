// The store as raft's state machine: each committed entry is a Command, applied
// at its raft index; a snapshot is the whole store as JSON lines.
import { fromUtf8, utf8 } from '@shoal/kit';
import type { FSM, FSMSnapshot, Log, SnapshotSink, SnapshotSource } from '@shoal/raft';
import { AgentDecodeError } from '../errors.js';
import { decodeCommand } from './codec.js';
import { parseSnapshot, snapshotLines } from './snapshot.js';
import type { StateStore, StoreResult } from './store.js';

/** Snapshots larger than this are refused on restore (bounded allocation). */
const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

export class AgentFsm implements FSM {
  readonly store: StateStore;

  constructor(store: StateStore) {
    this.store = store;
  }

  /** The store's result, or an AgentDecodeError for an entry that is not a Command (applied as a no-op). */
  apply(log: Log): StoreResult | AgentDecodeError {
    const decoded = decodeCommand(log.data);
    if (!decoded.ok) return decoded.error;
    return this.store.apply(log.index, decoded.value);
  }

  snapshot(): FSMSnapshot {
    // Captured now, while applies wait; written later.
    const text = snapshotLines(this.store).join('\n') + '\n';
    return {
      async persist(sink: SnapshotSink) {
        try {
          await sink.write(utf8(text));
          await sink.close();
        } catch (error) {
          await sink.cancel();
          throw error;
        }
      },
      release() {},
    };
  }

  async restore(source: SnapshotSource): Promise<void> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > MAX_SNAPSHOT_BYTES) throw new AgentDecodeError(`snapshot larger than ${MAX_SNAPSHOT_BYTES} bytes`);
      chunks.push(chunk);
    }
    const parsed = parseSnapshot(fromUtf8(Buffer.concat(chunks)));
    if (!parsed.ok) throw parsed.error;
    this.store.load(parsed.value);
  }
}
