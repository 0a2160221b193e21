// The three things bench/raft-log.ts times, each over one slice: a fresh
// directory, a few warm-up batches, then timed batches one at a time (as
// raft's leader stores them) until a count or a time limit.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LogType, makeLog, type Log } from '@shoal/raft';
import { runRaftLogBench } from '../../interop/harness/go-raft-log-bench.js';
import { openShoalLogStore } from './shoal-store.js';

export type Impl = 'shoal' | 'fdatasync' | 'raft-boltdb';

export interface Cell {
  /** Entries per storeLogs call. */
  batch: number;
  /** Bytes of data per entry. */
  size: number;
}

export interface SliceBounds {
  maxBatches: number;
  maxMs: number;
}

export interface Slice {
  latenciesMs: number[];
  /** Wall time of the timed batches (warm-up excluded). */
  seconds: number;
  /** For shoal, the store class measured. */
  store?: string;
}

/** Stored before timing starts, as the Go program does: first writes also create and grow files. */
const WARMUP_BATCHES = 3;
/**
 * What a write-ahead log adds to each entry's data on disk, as the bare
 * reference writes it: a frame header per entry (length, CRC, index, term,
 * type) and a commit record per batch. The figures barely depend on it.
 */
export const ENTRY_HEADER_BYTES = 32;
export const BATCH_HEADER_BYTES = 16;

/** Times `commit(next())` until the bounds; `next` (building the batch) is outside the timed call. */
async function timedLoop<T>(next: () => T, commit: (batch: T) => Promise<void>, bounds: SliceBounds): Promise<Slice> {
  for (let i = 0; i < WARMUP_BATCHES; i++) await commit(next());
  const latenciesMs: number[] = [];
  const limitNs = BigInt(bounds.maxMs) * 1_000_000n;
  const start = process.hrtime.bigint();
  let now = start;
  while (latenciesMs.length < bounds.maxBatches && now - start < limitNs) {
    const batch = next();
    const t0 = process.hrtime.bigint();
    await commit(batch);
    now = process.hrtime.bigint();
    latenciesMs.push(Number(now - t0) / 1e6);
  }
  return { latenciesMs, seconds: Number(now - start) / 1e9 };
}

function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = i & 0xff;
  return bytes;
}

/** The physical reference: append a batch's bytes to one file and fdatasync it, through node:fs/promises, no store. */
export async function runFdatasync(cell: Cell, dir: string, bounds: SliceBounds): Promise<Slice> {
  const bytes = pattern(cell.batch * (cell.size + ENTRY_HEADER_BYTES) + BATCH_HEADER_BYTES);
  const file = await open(join(dir, 'bare.log'), 'w');
  let position = 0;
  try {
    return await timedLoop(
      () => undefined,
      async () => {
        const { bytesWritten } = await file.write(bytes, 0, bytes.length, position);
        if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length}`);
        position += bytes.length;
        await file.datasync();
      },
      bounds,
    );
  } finally {
    await file.close();
  }
}

const openShoal = openShoalLogStore;

/** shoal's log store's storeLogs; undefined while openShoalLogStore is. */
export const runShoal =
  openShoal === undefined
    ? undefined
    : async (cell: Cell, dir: string, bounds: SliceBounds): Promise<Slice> => {
        const opened = await openShoal(dir);
        const data = pattern(cell.size);
        let index = 1;
        const next = (): Log[] => {
          const logs: Log[] = [];
          for (let i = 0; i < cell.batch; i++) logs.push(makeLog({ index: index++, term: 1, type: LogType.Command, data }));
          return logs;
        };
        try {
          const slice = await timedLoop(next, (logs) => opened.store.storeLogs(logs), bounds);
          // A store that dropped batches would look fast: every stored entry must be there.
          const last = await opened.store.lastIndex();
          if (last !== index - 1) throw new Error(`${opened.name}: lastIndex ${last} after storing up to ${index - 1}`);
          return { ...slice, store: opened.name };
        } finally {
          await opened.close();
        }
      };

/** raft-boltdb's StoreLogs, in our Go program on the same directory kind. */
export async function runRaftBoltdb(bin: string, cell: Cell, dir: string, bounds: SliceBounds): Promise<Slice> {
  const r = await runRaftLogBench(bin, { dir, batch: cell.batch, size: cell.size, count: bounds.maxBatches, maxMs: bounds.maxMs, samples: true });
  return { latenciesMs: (r.latencies_us ?? []).map((us) => us / 1e3), seconds: r.elapsed_ms / 1e3 };
}
