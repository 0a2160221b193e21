// The shoal log store bench/raft-log.ts measures: plugging a store in is this one place.
import { NodeFileSystem } from '@shoal/kit';
import { WalLogStore, type LogStore } from '@shoal/raft';

export interface OpenedLogStore {
  store: LogStore;
  /** The class measured, printed beside the figures. */
  name: string;
  /** Writes + datasyncs the store has issued, where it counts them. */
  syncs?: () => number;
  /**
   * Segment files reused since open, and freed ones waiting, where the store
   * reuses them: the steady rows fill the log until it appends into a reused
   * file and holds another for the next segment.
   */
  reuse?: () => { reused: number; free: number };
  close(): Promise<void>;
}

/** Opens shoal's on-disk log store, with its default options, in an empty directory on the real disk. */
export const openShoalLogStore: ((dir: string) => Promise<OpenedLogStore>) | undefined = async (dir) => {
  const store = await WalLogStore.open(new NodeFileSystem(dir), 'wal');
  return {
    store,
    name: 'WalLogStore',
    syncs: () => store.stats().groupWrites,
    reuse: () => ({ reused: store.stats().reusedSegments, free: store.stats().freeSegments }),
    close: () => store.close(),
  };
};

/** Printed instead of shoal's figures while openShoalLogStore is undefined. */
export const SHOAL_PENDING = 'pending: no log store on the real disk yet (NodeFileSystem and WalLogStore, issue 13)';
