// The three things bench/raft-log.ts times. Each opens on a fresh directory,
// stores a few untimed batches, then stores one timed batch per `store()`
// call, so the driver can alternate the three batch by batch.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LogType, makeLog, type Log } from '@shoal/raft';
import { RaftLogBenchSession } from '../../interop/harness/go-raft-log-bench.js';
import { openShoalLogStore } from './shoal-store.js';

export type Impl = 'shoal' | 'fdatasync' | 'raft-boltdb';

export interface Cell {
  /** Entries per storeLogs call. */
  batch: number;
  /** Bytes of data per entry. */
  size: number;
}

export interface Appender {
  /** For shoal, the store class measured. */
  readonly storeName?: string;
  /** Stores one batch; resolves to its latency in ms (building the batch is not timed). */
  store(): Promise<number>;
  close(): Promise<void>;
}

export type OpenAppender = (cell: Cell, dir: string) => Promise<Appender>;

/** Stored before timing starts, as the Go program does: first writes also create and grow files. */
const WARMUP_BATCHES = 3;
/**
 * What a write-ahead log adds to each entry's data on disk, as the bare
 * reference writes it: a frame header per entry (length, CRC, index, term,
 * type) and a commit record per batch. The figures barely depend on it.
 */
export const ENTRY_HEADER_BYTES = 32;
export const BATCH_HEADER_BYTES = 16;

/** An Appender that times `commit(next())`, after the warm-up batches. */
async function timed<T>(next: () => T, commit: (batch: T) => Promise<void>, close: () => Promise<void>, storeName?: string): Promise<Appender> {
  for (let i = 0; i < WARMUP_BATCHES; i++) await commit(next());
  return {
    storeName,
    async store(): Promise<number> {
      const batch = next();
      const t0 = process.hrtime.bigint();
      await commit(batch);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
    close,
  };
}

function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** The physical reference: append a batch's bytes to one file and fdatasync it, through node:fs/promises, no store. */
export const openFdatasync: OpenAppender = async (cell, dir) => {
  const bytes = pattern(cell.batch * (cell.size + ENTRY_HEADER_BYTES) + BATCH_HEADER_BYTES);
  const file = await open(join(dir, 'bare.log'), 'w');
  let position = 0;
  const commit = async (): Promise<void> => {
    const { bytesWritten } = await file.write(bytes, 0, bytes.length, position);
    if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length}`);
    position += bytes.length;
    await file.datasync();
  };
  return timed(() => undefined, commit, () => file.close());
};

const openShoal = openShoalLogStore;

/** shoal's log store's storeLogs; undefined while openShoalLogStore is. */
export const openShoalAppender: OpenAppender | undefined =
  openShoal === undefined
    ? undefined
    : async (cell, dir) => {
        const opened = await openShoal(dir);
        const data = pattern(cell.size);
        let index = 1;
        const next = (): Log[] => {
          const logs: Log[] = [];
          for (let i = 0; i < cell.batch; i++) logs.push(makeLog({ index: index++, term: 1, type: LogType.Command, data }));
          return logs;
        };
        const close = async (): Promise<void> => {
          // A store that dropped batches would look fast: every stored entry must be there.
          const last = await opened.store.lastIndex();
          await opened.close();
          if (last !== index - 1) throw new Error(`${opened.name}: lastIndex ${last} after storing up to ${index - 1}`);
        };
        return timed(next, (logs) => opened.store.storeLogs(logs), close, opened.name);
      };

/** raft-boltdb's StoreLogs in our Go program, which times each call itself. */
export function raftBoltdbAppender(bin: string): OpenAppender {
  return async (cell, dir) => {
    const session = await RaftLogBenchSession.start(bin, { dir, batch: cell.batch, size: cell.size });
    return { store: () => session.store(), close: async () => void (await session.close()) };
  };
}
