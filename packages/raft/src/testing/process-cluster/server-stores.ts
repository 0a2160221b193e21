/**
 * The durable stores of a crash-test server, on its own directory: what a
 * SIGKILL must not lose. One place, so the crash tests follow raft's default
 * on-disk stores.
 */
import type { Clock, FileSystem } from '@shoal/kit';
import { FileSnapshotStore } from '../../storage/file-snapshot.js';
import { FileStore } from '../../storage/file-store.js';
import type { SnapshotStore } from '../../storage/snapshot.js';
import type { LogStore, StableStore } from '../../storage/stores.js';

export interface ServerStores {
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
}

/** `clock` names snapshots by wall time, as Go does. */
export async function openServerStores(fs: FileSystem, clock: Clock): Promise<ServerStores> {
  const store = await FileStore.open(fs, 'raft/store.log');
  return { logs: store, stable: store, snapshots: await FileSnapshotStore.open(fs, 'raft', { clock }) };
}
