/** The production disk stores: the write-ahead log and the stable store. */
export { WalLogStore } from './wal-log-store.js';
export type { WalLogStoreOptions, WalStats } from './wal-log-store.js';
export { FileStableStore, readStableFile } from './stable-store.js';
