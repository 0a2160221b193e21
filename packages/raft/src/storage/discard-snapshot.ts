/** DiscardSnapshotStore: snapshots succeed and are thrown away (Go's; tests only). */
import { SnapshotError } from '../errors.js';
import type { OpenedSnapshot, SnapshotMeta, SnapshotSink, SnapshotStore } from './snapshot.js';

export class DiscardSnapshotSink implements SnapshotSink {
  readonly id = 'discard';
  async write(_chunk: Uint8Array): Promise<void> {}
  async close(): Promise<void> {}
  async cancel(): Promise<void> {}
}

export class DiscardSnapshotStore implements SnapshotStore {
  async create(): Promise<SnapshotSink> {
    return new DiscardSnapshotSink();
  }

  async list(): Promise<SnapshotMeta[]> {
    return [];
  }

  async open(_id: string): Promise<OpenedSnapshot> {
    throw new SnapshotError('open is not supported');
  }
}
