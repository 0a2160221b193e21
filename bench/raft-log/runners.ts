// The things bench/raft-log.ts times. Each opens on a fresh directory for one
// cell (writers × batch × size), stores a few untimed batches, then per
// `run(ms)` call has the cell's writers call storeLogs back to back, each
// with its own batches, for `ms` of wall time, so the driver can alternate
// them slice by slice. The steady rows (--steady) first bring their store to
// a steady state (steady.ts) and compact it before each slice.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32Update } from '@shoal/kit';
import { LogType, makeLog, type Log } from '@shoal/raft';
import { RaftLogBenchSession } from '../../interop/harness/go-raft-log-bench.js';
import { DurableRing } from '../raft-cluster/durable-ring.js';
import { openShoalLogStore } from './shoal-store.js';
import { STEADY_KEEP, compactToKeep, fillBatchEntries, fillShoalToSteady, type SteadyCell } from './steady.js';

export type Impl = 'shoal' | 'fdatasync' | 'dsync-preallocated' | 'crc-dsync-preallocated' | 'raft-boltdb' | 'shoal-steady' | 'raft-boltdb-steady';

export interface Cell {
  /** Concurrent callers, each storing its own batches back to back. */
  writers: number;
  /** Entries per storeLogs call. */
  batch: number;
  /** Bytes of data per entry. */
  size: number;
}

/** One slice: every call's latency as its caller saw it, and the slice's wall time. */
export interface Slice {
  latenciesMs: number[];
  elapsedMs: number;
}

export interface Appender {
  /** For shoal, the store class measured. */
  readonly storeName?: string;
  /** Runs the cell's writers back to back for `ms` of wall time (a call under way then finishes and counts). */
  run(ms: number): Promise<Slice>;
  /** Writes + datasyncs issued so far (timed or not), where the implementation tells. */
  syncs?(): number;
  /** The steady rows: compacts the log to its last STEADY_KEEP entries (untimed, before each slice). */
  compact?(): Promise<void>;
  /** Figures printed beside the row's (the steady rows: how they reached steady state). */
  notes?(): Record<string, number>;
  close(): Promise<void>;
}

/** `steady` is shared by the cell's openers, in the order bench/raft-log.ts opens them. */
export type OpenAppender = (cell: Cell, dir: string, steady: SteadyCell) => Promise<Appender>;

/** Stored before timing starts, as the Go program does: first writes also create and grow files. */
const WARMUP_BATCHES = 3;
/**
 * What a write-ahead log adds to each entry's data on disk, as the bare
 * reference writes it: a frame header per entry (length, CRC, index, term,
 * type) and a commit record per batch. The figures barely depend on it.
 */
export const ENTRY_HEADER_BYTES = 32;
export const BATCH_HEADER_BYTES = 16;

const now = (): bigint => process.hrtime.bigint();
const msSince = (t0: bigint): number => Number(now() - t0) / 1e6;

/**
 * An Appender whose writers call `commit(next())`. `next` builds a batch
 * (untimed) and `commit` must take it synchronously, in the order the batches
 * were built: shoal's batches reserve their index ranges in `next`.
 */
async function writersOf<T>(cell: Cell, next: () => T, commit: (batch: T) => Promise<void>, rest: Omit<Appender, 'run'>): Promise<Appender> {
  for (let i = 0; i < WARMUP_BATCHES; i++) await commit(next());
  return {
    ...rest,
    async run(ms: number): Promise<Slice> {
      const latenciesMs: number[] = [];
      const start = now();
      const end = start + BigInt(Math.round(ms * 1e6));
      const writer = async (): Promise<void> => {
        while (now() < end) {
          const batch = next();
          const t0 = now();
          await commit(batch);
          latenciesMs.push(msSince(t0));
        }
      };
      await Promise.all(Array.from({ length: cell.writers }, writer));
      return { latenciesMs, elapsedMs: msSince(start) };
    },
  };
}

function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** Makes one group's bytes durable; the group files below differ only in this. */
type DurableWrite = (bytes: Uint8Array) => Promise<void>;

/**
 * The floor of a group-committing log, with no log in it: one durable write
 * carries every batch submitted while the previous one was in flight, and a
 * caller resolves when the write covering its batch returns. The next group
 * is taken one microtask after the first batch arrives at an idle file, so
 * callers released by the same write (they resume in that microtask turn)
 * all join it: with W callers back to back each write carries all W batches,
 * the most sharing there is. With one caller it is one durable write per batch.
 */
export class GroupSyncFile {
  #queue: { bytes: Uint8Array; resolve: () => void; reject: (err: unknown) => void }[] = [];
  #busy = false;
  #syncs = 0;

  constructor(
    readonly file: FileHandle,
    private readonly durableWrite: DurableWrite,
  ) {}

  get syncs(): number {
    return this.#syncs;
  }

  append(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ bytes, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0);
      const out = group.length === 1 ? group[0]!.bytes : Buffer.concat(group.map((g) => g.bytes));
      try {
        await this.durableWrite(out);
        this.#syncs++;
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    this.#busy = false;
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  const { bytesWritten } = await file.write(bytes, 0, bytes.length, position);
  if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length}`);
}

const batchBytes = (cell: Cell): Uint8Array => pattern(cell.batch * (cell.size + ENTRY_HEADER_BYTES) + BATCH_HEADER_BYTES);

/** The classic reference: a batch's bytes appended to a growing file through node:fs/promises, then fdatasync (each sync also commits the new size). */
export const openFdatasync: OpenAppender = async (cell, dir) => {
  const bytes = batchBytes(cell);
  const handle = await open(join(dir, 'bare.log'), 'w');
  let position = 0;
  const file = new GroupSyncFile(handle, async (out) => {
    await writeAll(handle, out, position);
    position += out.length;
    await handle.datasync();
  });
  return writersOf(cell, () => bytes, (b) => file.append(b), { syncs: () => file.syncs, close: () => handle.close() });
};

/** Space written (and synced) before timing, then overwritten in a ring: no write changes the file's size. */
const PREALLOCATED_BYTES = 64 * 1024 * 1024;

/**
 * The disk's own floor for a durable write (DurableRing): one positional
 * write on an O_DSYNC descriptor into space already written and synced, so
 * there is no size or extent to commit and no second system call. No log
 * store can make a batch durable with less; a store that preallocates and
 * writes with O_DSYNC (shoal's WAL does both) can come in under the
 * appending reference above, not under this one.
 */
export const openDsyncPreallocated: OpenAppender = async (cell, dir) => {
  const bytes = batchBytes(cell);
  const ring = await DurableRing.create(join(dir, 'dsync.log'), PREALLOCATED_BYTES);
  const file = new GroupSyncFile(ring.file, (out) => ring.write(out));
  return writersOf(cell, () => bytes, (b) => file.append(b), { syncs: () => file.syncs, close: () => ring.close() });
};

/**
 * The floor of a store with a CRC-32 per record, as a WAL must have:
 * dsync-preallocated, with each record's CRC (kit's crc32Update, the
 * WAL's: zlib's from 512 bytes) computed over the batch's bytes inside the
 * timed call, before the write, and stamped into the record's header so the
 * write depends on it. Nothing else of a log: no encoding, no index, no cache.
 */
export const openCrcDsyncPreallocated: OpenAppender = async (cell, dir) => {
  const bytes = batchBytes(cell);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recordBytes = cell.size + ENTRY_HEADER_BYTES;
  const ring = await DurableRing.create(join(dir, 'crc-dsync.log'), PREALLOCATED_BYTES);
  const file = new GroupSyncFile(ring.file, (out) => ring.write(out));
  const checksummed = (): Promise<void> => {
    for (let at = 0; at + recordBytes <= bytes.length - BATCH_HEADER_BYTES; at += recordBytes) {
      // The CRC covers the record past its first 8 bytes, where it is stamped.
      view.setUint32(at + 4, crc32Update(0, bytes, at + 8, at + recordBytes));
    }
    return file.append(bytes);
  };
  return writersOf(cell, () => bytes, checksummed, { syncs: () => file.syncs, close: () => ring.close() });
};

const openShoal = openShoalLogStore;

/** shoal's log store's storeLogs; undefined while openShoalLogStore is. */
export const openShoalAppender: OpenAppender | undefined = openShoal === undefined ? undefined : (cell, dir) => openShoalWith(cell, dir, undefined);

/** shoal's log store in steady state (steady.ts): its timed batches go into segment files compaction freed. */
export const openShoalSteadyAppender: OpenAppender | undefined = openShoal === undefined ? undefined : (cell, dir, steady) => openShoalWith(cell, dir, steady);

async function openShoalWith(cell: Cell, dir: string, steady: SteadyCell | undefined): Promise<Appender> {
  const opened = await openShoal!(dir);
  const data = pattern(cell.size);
  let index = 1;
  const notes: Record<string, number> = {};
  if (steady !== undefined) {
    index = await fillShoalToSteady(opened, cell, data);
    steady.filled = index - 1;
    notes['filled_entries'] = index - 1;
    notes['reused_segments_at_start'] = opened.reuse!().reused;
  }
  // Reserves the batch's index range as it builds it: the writers' calls reach storeLogs in index order.
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
  const compact = (): Promise<void> => compactToKeep(opened, index - 1);
  return writersOf(cell, next, (logs) => opened.store.storeLogs(logs), {
    storeName: opened.name,
    syncs: opened.syncs,
    close,
    ...(steady === undefined ? {} : { compact, notes: () => ({ ...notes, reused_segments_at_end: opened.reuse!().reused }) }),
  });
}

/** raft-boltdb's StoreLogs from the cell's writers (goroutines) in our Go program, which times each call itself. */
export function raftBoltdbAppender(bin: string): OpenAppender {
  return async (cell, dir) => {
    const session = await RaftLogBenchSession.start(bin, { dir, batch: cell.batch, size: cell.size, writers: cell.writers });
    return { run: (ms) => session.run(ms), close: async () => void (await session.close()) };
  };
}

/** raft-boltdb given the steady treatment shoal's steady row had: the same entries stored and compacted the same way first. */
export function raftBoltdbSteadyAppender(bin: string): OpenAppender {
  return async (cell, dir, steady) => {
    if (steady.filled === undefined) throw new Error('raft-boltdb-steady opens after shoal-steady, which decides how many entries the fill stores');
    const fill = { fill: steady.filled, fillBatch: fillBatchEntries(cell), keep: STEADY_KEEP };
    const session = await RaftLogBenchSession.start(bin, { dir, batch: cell.batch, size: cell.size, writers: cell.writers }, fill);
    return {
      run: (ms) => session.run(ms),
      compact: async () => void (await session.compact()),
      notes: () => ({ filled_entries: fill.fill }),
      close: async () => void (await session.close()),
    };
  };
}
