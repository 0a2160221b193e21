/**
 * The durable stores of a crash-test server, on its own directory: what a
 * SIGKILL must not lose. One place, so the crash tests follow raft's default
 * on-disk stores.
 */
import type { Clock, FileSystem } from '@shoal/kit';
import { FileSnapshotStore } from '../../storage/file-snapshot.js';
import type { SnapshotStore } from '../../storage/snapshot.js';
import type { LogStore, StableStore } from '../../storage/stores.js';
import { FileStableStore } from '../../storage/wal/stable-store.js';
import { WalLogStore } from '../../storage/wal/wal-log-store.js';

export interface ServerStores {
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
}

/** `clock` names snapshots by wall time, as Go does. */
export async function openServerStores(fs: FileSystem, clock: Clock): Promise<ServerStores> {
  return {
    logs: await WalLogStore.open(fs, 'raft/wal'),
    stable: await FileStableStore.open(fs, 'raft/stable'),
    snapshots: await FileSnapshotStore.open(fs, 'raft', { clock }),
  };
}
