/**
 * WalLogStore: raft's log in segmented append-only files (spec §7, after
 * raft-wal). Each storeLogs batch is its entry frames and a commit frame;
 * batches that arrive while a write is in flight wait and then go to disk
 * together, in one writev and one datasync (group commit). A call resolves
 * only after the sync that covers it. Memory holds a 4-byte offset per entry
 * and a bounded cache of recent entries; older entries are read from disk.
 *
 * The frames' headers and small entries are encoded into one buffer per
 * batch; large entries' data goes to disk straight from the callers' arrays
 * (frame.ts, OWN_CHUNK_MIN_BYTES), and the cache keeps those arrays as
 * given (LogStore.storeLogs: they do not change). No byte of a large entry
 * is copied in user space: a copy for the cache, even one made while the
 * sync ran, measured 1.1–1.6× the p50 of 64 × 4 KiB batches on this 2-core
 * machine (bench/raft-log, load 5–7).
 *
 * A storeLogs group whose write or sync fails is cut off the active segment
 * again (truncate back to where it started, then datasync): what was synced
 * before it stays, the failed group and everything queued behind it are
 * refused, and the store goes on (a full disk can come back). Re-reading or
 * re-syncing the failed bytes would not do: after a failed fsync the kernel
 * may have dropped them while reads still see them. When that cut fails too,
 * or any other write fails, the store refuses everything: what reached the
 * disk is unknown until it is reopened (and recovery decides).
 *
 * The active segment is kept zero-filled some way past its end
 * (`preallocateBytes`), as etcd's WAL does: a datasync after a write into
 * space the file already holds has no new file size to commit, which on ext4
 * saves a journal commit per batch (0.7–0.95× the latency of an appending
 * write + fdatasync here). Node.js has no fallocate, so the zeros are written;
 * the extension rides on the write that needs it, once per `preallocateBytes`,
 * and only for groups small enough that the commit, not the bytes, is the cost.
 * Recovery reads a zero tail after the last commit as that space, not as a
 * torn write.
 *
 * Segments that a head deletion (compaction) frees are kept, up to
 * `reuseSegments` of them, and the next segment is one of those files
 * renamed, with a new header (segment.ts, segment-files.ts): its appends overwrite blocks
 * already written, so, as in the preallocated space but for groups of any
 * size, a sync has no size or extent to commit (bench/raft-log --steady,
 * 64 × 4 KiB batches: 2.2–2.7× the entries/s of a growing log from eight
 * writers, 1.1–1.8× from one). The old frames past the log carry another
 * salt; recovery reads them as the end of the log (recovery.ts).
 *
 * A group is written with writeDurably (one O_DSYNC writev on the real disk):
 * write and flush in one trip to a worker thread, where a write and then a
 * datasync took two, each a wake-up of a worker and then of the main thread.
 */
import { Deferred, silentLogger } from '@shoal/kit';
import type { FileSystem, Logger } from '@shoal/kit';
import { LogCorruptionError, LogNotFoundError, LogStoreFailedError, RaftInvariantError } from '../../errors.js';
import type { Log } from '../../log.js';
import { ensureDir } from '../fs-util.js';
import type { LogStore } from '../stores.js';
import { planDelete } from './delete-plan.js';
import { EntryCache } from './entry-cache.js';
import { FRAME_HEADER_BYTES, FrameType, COMMIT_FRAME_BYTES, decodeEntry, encodeBatch, frameCrcMatches, readFrameHeader, sealBatch } from './frame.js';
import type { EncodedBatch } from './frame.js';
import { writeHeadMarker } from './head-marker.js';
import { recoverLog, type RecoveredLog } from './recovery.js';
import { MAX_SEGMENT_OFFSET, Segment } from './segment.js';
import { SegmentFiles } from './segment-files.js';

export interface WalLogStoreOptions {
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Most recent entries kept in memory. Default 4096. */
  cacheEntries?: number;
  /** Bytes of recent entries kept in memory. Default 16 MiB. */
  cacheBytes?: number;
  /** Where recovery reports what it cut, and the store what went wrong. Default silent. */
  logger?: Logger;
  /** Open for reading only (dumps, checks): nothing on disk changes, a torn tail is reported but not cut, writes fail. */
  readOnly?: boolean;
  /**
   * Zeros kept written ahead of the active segment's end, so most datasyncs
   * need not commit a new file size; never past `segmentBytes`. 0 turns it
   * off. Default 4 MiB.
   */
  preallocateBytes?: number;
  /**
   * Freed segment files kept for the next segments to reuse (see the top of
   * the file); each takes a segment's size on disk. 0 removes them. Default 2.
   */
  reuseSegments?: number;
}

export interface WalStats {
  segments: number;
  firstIndex: number;
  lastIndex: number;
  cachedEntries: number;
  cachedBytes: number;
  /** Bytes of the per-segment offset indexes. */
  indexBytes: number;
  /** Writes and datasyncs of storeLogs groups since open. */
  groupWrites: number;
  /** Bytes cut from a torn tail when the store was opened. */
  cutBytes: number;
  /** Zero-filled bytes past the active segment's end (see preallocateBytes). */
  preallocatedBytes: number;
  /** Freed segment files waiting to be reused (see reuseSegments). */
  freeSegments: number;
  /** Segments since open that reused a freed segment's file. */
  reusedSegments: number;
}

type Op =
  | { kind: 'append'; batch: EncodedBatch; done: Deferred<void> }
  | { kind: 'delete'; min: number; max: number; done: Deferred<void> };

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREALLOCATE_BYTES = 4 * 1024 * 1024;
const DEFAULT_REUSE_SEGMENTS = 2;
/**
 * Zeros double the bytes a log writes. Past groups of this size the disk's
 * bandwidth, not its per-sync commit, sets the latency, so larger groups just
 * extend the file (bench/raft-log here: zero-filling took 265 KiB groups from
 * 1.2 to 4.0 ms at p50, while it saved 0.1–0.15 ms on groups up to 66 KiB).
 */
const PREALLOCATE_MAX_GROUP_BYTES = 128 * 1024;
/** A group stops growing past this, so one write stays a reasonable size. */
const MAX_GROUP_BYTES = 32 * 1024 * 1024;

export class WalLogStore implements LogStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #preallocateBytes: number;
  readonly #logger: Logger;
  readonly #cache: EntryCache;
  #segments: Segment[];
  readonly #files: SegmentFiles;
  #head: number;
  #first = 0;
  #last = 0;
  /** The log's bounds once every queued operation has run (what the next call is checked against). */
  #queuedFirst = 0;
  #queuedLast = 0;
  readonly #queue: Op[] = [];
  #draining: Promise<void> | undefined;
  #failure: Error | undefined;
  #groupWrites = 0;
  readonly #cutBytes: number;

  private constructor(fs: FileSystem, dir: string, options: WalLogStoreOptions, recovered: RecoveredLog) {
    this.#fs = fs;
    this.#dir = dir;
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#preallocateBytes = options.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
    this.#files = new SegmentFiles(fs, dir, options.reuseSegments ?? DEFAULT_REUSE_SEGMENTS, recovered.free, recovered.nextSeq);
    this.#logger = options.logger ?? silentLogger;
    this.#cache = new EntryCache(options.cacheEntries ?? 4096, options.cacheBytes ?? 16 * 1024 * 1024);
    this.#segments = recovered.segments;
    this.#head = recovered.head;
    this.#cutBytes = recovered.cutBytes;
  }

  /** Opens (or creates) the log in `dir`, recovering from whatever a crash left. */
  static async open(fs: FileSystem, dir: string, options: WalLogStoreOptions = {}): Promise<WalLogStore> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isInteger(segmentBytes) || segmentBytes < 1024 || segmentBytes > 2 ** 31) throw new RangeError('segmentBytes must be between 1 KiB and 2 GiB');
    const preallocateBytes = options.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
    if (!Number.isSafeInteger(preallocateBytes) || preallocateBytes < 0) throw new RangeError('preallocateBytes must be a whole number of bytes, 0 or more');
    const reuseSegments = options.reuseSegments ?? DEFAULT_REUSE_SEGMENTS;
    if (!Number.isSafeInteger(reuseSegments) || reuseSegments < 0) throw new RangeError('reuseSegments must be a whole number, 0 or more');
    const readOnly = options.readOnly ?? false;
    if (!readOnly) await ensureDir(fs, dir);
    const recovered = await recoverLog(fs, dir, options.logger ?? silentLogger, readOnly);
    const store = new WalLogStore(fs, dir, options, recovered);
    if (readOnly) store.#failure = new LogStoreFailedError('wal: log store is open read-only');
    else {
      await store.#dropSegmentsBelowHead();
      await store.#files.dropBeyondKeep();
    }
    store.#setBoundsFromSegments();
    return store;
  }

  /** Removes segments a head deletion had made obsolete before a crash interrupted it. */
  async #dropSegmentsBelowHead(): Promise<void> {
    const last = this.#segments.at(-1)?.lastIndex ?? 0;
    const everything = this.#head > last;
    let removed = false;
    while (this.#segments.length > 0 && (everything || (this.#segments.length > 1 && this.#segments[0]!.lastIndex < this.#head))) {
      await this.#files.retire(this.#segments.shift()!);
      removed = true;
    }
    if (removed) await this.#fs.syncDir(this.#dir);
  }

  #setBoundsFromSegments(): void {
    const last = this.#segments.at(-1)?.lastIndex ?? 0;
    const firstBase = this.#segments[0]?.base ?? 0;
    const empty = this.#segments.length === 0 || last < firstBase || last < this.#head;
    this.#first = empty ? 0 : Math.max(this.#head, firstBase);
    this.#last = empty ? 0 : last;
    this.#queuedFirst = this.#first;
    this.#queuedLast = this.#last;
  }

  isMonotonic(): boolean {
    return true;
  }

  async firstIndex(): Promise<number> {
    return this.#first;
  }

  async lastIndex(): Promise<number> {
    return this.#last;
  }

  async getLog(index: number): Promise<Log> {
    if (this.#last === 0 || index < this.#first || index > this.#last) throw new LogNotFoundError();
    const cached = this.#cache.get(index);
    if (cached !== undefined) return { ...cached };
    try {
      return await this.#readEntry(this.#segmentOf(index), index);
    } catch (err) {
      // A compaction or truncation that ran during the read removed the entry (and closed its file).
      if (this.#last === 0 || index < this.#first || index > this.#last) throw new LogNotFoundError();
      throw err;
    }
  }

  storeLog(log: Log): Promise<void> {
    return this.storeLogs([log]);
  }

  storeLogs(logs: readonly Log[]): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#refusal());
    if (logs.length === 0) return Promise.resolve();
    for (let i = 0; i < logs.length; i++) {
      const expected = i === 0 ? (this.#queuedLast === 0 ? logs[0]!.index : this.#queuedLast + 1) : logs[i - 1]!.index + 1;
      if (logs[i]!.index !== expected || !Number.isSafeInteger(expected) || expected < 1) {
        return Promise.reject(new RaftInvariantError(`wal: storeLogs got index ${logs[i]!.index} where ${expected} belongs (the log has no gaps)`));
      }
    }
    const batch = encodeBatch(logs);
    if (this.#queuedLast === 0) this.#queuedFirst = logs[0]!.index;
    this.#queuedLast = logs[logs.length - 1]!.index;
    return this.#enqueue({ kind: 'append', batch, done: new Deferred<void>() });
  }

  deleteRange(min: number, max: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#refusal());
    let plan;
    try {
      plan = planDelete(this.#queuedFirst, this.#queuedLast, min, max);
    } catch (err) {
      return Promise.reject(err);
    }
    if (plan.kind === 'none') return this.#enqueue({ kind: 'delete', min, max, done: new Deferred<void>() });
    if (plan.kind === 'all') this.#queuedFirst = this.#queuedLast = 0;
    else if (plan.kind === 'head') this.#queuedFirst = plan.newFirst;
    else this.#queuedLast = plan.newLast;
    return this.#enqueue({ kind: 'delete', min, max, done: new Deferred<void>() });
  }

  stats(): WalStats {
    return {
      segments: this.#segments.length,
      firstIndex: this.#first,
      lastIndex: this.#last,
      cachedEntries: this.#cache.size,
      cachedBytes: this.#cache.bytes,
      indexBytes: this.#segments.reduce((sum, s) => sum + s.indexBytes, 0),
      groupWrites: this.#groupWrites,
      cutBytes: this.#cutBytes,
      preallocatedBytes: Math.max(0, (this.#segments.at(-1)?.allocated ?? 0) - (this.#segments.at(-1)?.size ?? 0)),
      freeSegments: this.#files.freeCount,
      reusedSegments: this.#files.reusedCount,
    };
  }

  /** Waits for queued work, then releases the files. Later calls fail. */
  async close(): Promise<void> {
    await this.#draining;
    this.#failure ??= new LogStoreFailedError('wal: log store is closed');
    for (const segment of this.#segments) await segment.handle.close().catch(() => undefined);
  }

  #refusal(): Error {
    const failure = this.#failure!;
    return failure instanceof LogStoreFailedError ? failure : new LogStoreFailedError(`wal: log store failed earlier: ${failure.message}`, { cause: failure });
  }

  #enqueue(op: Op): Promise<void> {
    this.#queue.push(op);
    this.#draining ??= this.#drain();
    return op.done.promise;
  }

  async #drain(): Promise<void> {
    // Take the first group one microtask late: callers released together by
    // the last sync resume in this turn, and their next batches join it
    // instead of waiting out a sync of the first one's alone.
    await undefined;
    while (this.#queue.length > 0) {
      const group = this.#takeGroup();
      try {
        if (this.#failure !== undefined) throw this.#refusal();
        if (group[0]!.kind === 'delete') await this.#delete(group[0]!.min, group[0]!.max);
        else await this.#writeGroup(group as Extract<Op, { kind: 'append' }>[]);
        for (const op of group) op.done.resolve();
      } catch (err) {
        const reason = err instanceof RewoundWriteError ? err.cause : err;
        for (const op of group) op.done.reject(reason);
        if (err instanceof RewoundWriteError) {
          // Later operations were queued on the bounds the failed group would have made.
          for (const op of this.#queue.splice(0)) op.done.reject(reason);
          this.#queuedFirst = this.#first;
          this.#queuedLast = this.#last;
        } else {
          this.#failure ??= err instanceof Error ? err : new Error(String(err));
        }
      }
    }
    this.#draining = undefined;
  }

  /** The next delete alone, or every append queued before the next delete (bounded in bytes). */
  #takeGroup(): Op[] {
    const head = this.#queue.shift()!;
    if (head.kind === 'delete') return [head];
    const group: Op[] = [head];
    let bytes = head.batch.byteLength;
    while (this.#queue.length > 0 && this.#queue[0]!.kind === 'append' && bytes < MAX_GROUP_BYTES) {
      const next = this.#queue.shift() as Extract<Op, { kind: 'append' }>;
      bytes += next.batch.byteLength;
      group.push(next);
    }
    return group;
  }

  /**
   * One durable writev of the group's batches, each followed by its commit
   * frame (writev and datasync when the segment must grow first). While the
   * write runs the entries are indexed and cached (readable only once
   * `#last` moves, after it), so that work is off the path from the sync to
   * the callers' resolution.
   */
  async #writeGroup(group: Extract<Op, { kind: 'append' }>[]): Promise<void> {
    const first = group[0]!.batch.logs[0]!.index;
    let groupBytes = 0;
    for (const op of group) groupBytes += op.batch.byteLength + COMMIT_FRAME_BYTES;
    const active = this.#activeFits(groupBytes) ?? (await this.#segmentFor(first, groupBytes));
    const start = active.size;
    for (const op of group) sealBatch(op.batch, start, active.salt);
    // One writer's group is one batch: its chunk list goes as it is, not copied.
    const chunks = group.length === 1 ? group[0]!.batch.chunks : group.flatMap((op) => op.batch.chunks);
    const end = start + groupBytes;
    let allocated = Math.max(active.allocated, end);
    try {
      let durable: Promise<void>;
      if (end > active.allocated && groupBytes <= PREALLOCATE_MAX_GROUP_BYTES) {
        // Once per preallocateBytes: the zeros go ahead of the group's end, and one datasync covers both.
        await active.handle.writev(start, chunks);
        allocated = await this.#preallocate(active, end);
        durable = active.handle.datasync();
      } else {
        durable = active.handle.writeDurably(start, chunks);
      }
      try {
        this.#holdGroup(active, start, group);
      } finally {
        await durable;
      }
    } catch (err) {
      // Unindex what #holdGroup may have added: none of it is on disk for sure.
      active.keepBefore(first);
      this.#cache.dropFrom(first);
      await this.#rewind(active, start, err);
    }
    this.#groupWrites++;
    active.size = end;
    active.allocated = allocated;
    if (this.#last === 0) this.#first = first;
    this.#last = active.lastIndex;
  }

  /** Indexes and caches the group's entries ahead of `#last`. */
  #holdGroup(active: Segment, start: number, group: Extract<Op, { kind: 'append' }>[]): void {
    let batchStart = start;
    for (const { batch } of group) {
      const { logs, offsets } = batch;
      for (let i = 0; i < logs.length; i++) {
        active.push(batchStart + offsets[i]!);
        this.#cache.append(logs[i]!);
      }
      batchStart += batch.byteLength + COMMIT_FRAME_BYTES;
    }
  }

  /**
   * Zero-fills `preallocateBytes` past `end` (within the segment's size) and
   * returns how far the file is known to reach. Only an optimisation: when it
   * fails (a nearly full disk) the batch still goes on, and the next write
   * past the zeros tries again.
   */
  async #preallocate(segment: Segment, end: number): Promise<number> {
    const target = Math.min(end + this.#preallocateBytes, this.#segmentBytes);
    if (target <= end) return end;
    try {
      await segment.handle.preallocate(target);
      return target;
    } catch (err) {
      this.#logger.warn({ segment: segment.path, bytes: target - end, error: err instanceof Error ? err.message : String(err) }, 'wal: could not write zeros ahead of the log; going on without them');
      return end;
    }
  }

  /** The active segment when the next group goes to it as it is (#segmentFor's common case, without a turn of its own). */
  #activeFits(groupBytes: number): Segment | undefined {
    const active = this.#segments.at(-1);
    return this.#last !== 0 && active !== undefined && active.size < this.#segmentBytes && active.size + groupBytes <= MAX_SEGMENT_OFFSET ? active : undefined;
  }

  /** The segment the next group goes to: the active one, a fresh one when it is full, or the first of an empty log. */
  async #segmentFor(firstIndex: number, groupBytes: number): Promise<Segment> {
    const active = this.#segments.at(-1);
    if (this.#last === 0) {
      if (this.#head > firstIndex) {
        await writeHeadMarker(this.#fs, this.#dir, firstIndex);
        this.#head = firstIndex;
      }
      if (active !== undefined && active.count === 0 && active.base === firstIndex && this.#segments.length === 1) return active;
      for (const stale of this.#segments) await this.#files.retire(stale);
      this.#segments = [await this.#files.create(firstIndex)];
      return this.#segments[0]!;
    }
    const fits = this.#activeFits(groupBytes);
    if (fits !== undefined) return fits;
    const next = await this.#files.create(firstIndex);
    this.#segments.push(next);
    return next;
  }

  /** Cuts a failed group off `segment` (see the top of the file); throws RewoundWriteError, or the failure when the cut fails too. */
  async #rewind(segment: Segment, start: number, failure: unknown): Promise<never> {
    try {
      await segment.handle.truncate(start);
      await segment.handle.datasync();
    } catch {
      throw failure;
    }
    segment.allocated = start;
    throw new RewoundWriteError(failure);
  }

  async #delete(min: number, max: number): Promise<void> {
    const plan = planDelete(this.#first, this.#last, min, max);
    switch (plan.kind) {
      case 'none':
        return;
      case 'all': {
        await writeHeadMarker(this.#fs, this.#dir, max + 1);
        this.#head = max + 1;
        const dead = this.#segments;
        this.#segments = [];
        this.#first = this.#last = 0;
        this.#cache.clear();
        for (const segment of dead) await this.#files.retire(segment);
        await this.#fs.syncDir(this.#dir);
        return;
      }
      case 'head': {
        // The marker first: once it is durable, removing the segments below it is only cleanup.
        await writeHeadMarker(this.#fs, this.#dir, plan.newFirst);
        this.#head = plan.newFirst;
        // Bounds first, so a read that loses its file to the cleanup below knows the entry is gone.
        this.#first = plan.newFirst;
        this.#cache.dropBefore(plan.newFirst);
        let removed = false;
        while (this.#segments.length > 1 && this.#segments[0]!.lastIndex < plan.newFirst) {
          await this.#files.retire(this.#segments.shift()!);
          removed = true;
        }
        if (removed) await this.#fs.syncDir(this.#dir);
        return;
      }
      case 'tail': {
        // The new segment starting at `min` is the truncation (it masks everything older from `min` on);
        // segments it masks whole are only cleanup.
        const older = this.#segments;
        const created = await this.#files.create(min);
        const kept = older.filter((s) => s.base < min);
        const dead = older.filter((s) => s.base >= min);
        kept.at(-1)!.keepBefore(min);
        this.#segments = [...kept, created];
        this.#last = plan.newLast;
        this.#cache.dropFrom(min);
        for (const segment of dead) await this.#files.retire(segment);
        if (dead.length > 0) await this.#fs.syncDir(this.#dir);
        return;
      }
    }
  }

  #segmentOf(index: number): Segment {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.base <= index) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo]!;
  }

  async #readEntry(segment: Segment, index: number): Promise<Log> {
    const offset = segment.offsetOf(index);
    const headerBytes = await segment.handle.read(offset, FRAME_HEADER_BYTES);
    const header = readFrameHeader(headerBytes, segment.salt);
    if (typeof header === 'string' || header.type !== FrameType.Entry) throw new LogCorruptionError(segment.path, offset, `entry ${index}: ${typeof header === 'string' ? header : 'not an entry'} frame`);
    const payload = await segment.handle.read(offset + FRAME_HEADER_BYTES, header.payloadBytes);
    if (payload.length !== header.payloadBytes || !frameCrcMatches(headerBytes, payload, header.crc)) throw new LogCorruptionError(segment.path, offset, `entry ${index}: checksum mismatch`);
    const entry = decodeEntry(payload);
    if (typeof entry === 'string' || entry.index !== index) throw new LogCorruptionError(segment.path, offset, `entry ${index}: undecodable or misplaced`);
    return entry;
  }
}

/** A group's write failed and was cut off again: the store is as it was before the group. */
class RewoundWriteError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
