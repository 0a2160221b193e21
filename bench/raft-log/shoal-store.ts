// The shoal log store bench/raft-log.ts measures: plugging a store in is this one place.
import type { LogStore } from '@shoal/raft';

export interface OpenedLogStore {
  store: LogStore;
  /** The class measured, printed beside the figures. */
  name: string;
  close(): Promise<void>;
}

/** Opens shoal's on-disk log store in an empty directory; undefined while there is none on the real disk. */
export const openShoalLogStore: ((dir: string) => Promise<OpenedLogStore>) | undefined = undefined;

/** Printed instead of shoal's figures while openShoalLogStore is undefined. */
export const SHOAL_PENDING = 'pending: no log store on the real disk yet (NodeFileSystem and WalLogStore, issue 13)';
