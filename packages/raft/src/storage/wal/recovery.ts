/**
 * Opening a WAL directory: every segment's frames are checked and indexed.
 *
 * A bad frame (short, zeroed, another incarnation's, checksum or decode
 * failure) means one of three things. If a commit frame of a *later* write
 * follows it, the bad bytes had been synced before that write began:
 * corruption, a LogCorruptionError. If it is the end of what this segment
 * wrote (see below), nothing is wrong. Otherwise it is the tail of the last
 * write, which a crash tore or left half on disk: cut back to the last
 * complete batch, said in a warning. Segments other than the newest were
 * complete before the next one was created, so any bad frame in the part of
 * them still in use is corruption. Segments a newer one masks whole (an
 * interrupted tail truncation's cleanup) are removed.
 *
 * Where the newest segment's data ends: in a new file, from the end of the
 * last complete batch to the end of the file there are zeros, the store's
 * preallocation. In a reused file (segment.ts) there are the frames of the
 * file's earlier segments, which carry another salt, and pieces of them; the
 * data ends there when no frame of this segment lies anywhere past the last
 * complete batch. Anything else past it is cut, so that no stale frame of an
 * unfinished write can line up behind a later batch and be read as part of
 * the log. A torn write into a reused file of which no whole frame reached
 * the disk cannot be told from the old bytes it landed on: nothing of it is
 * read, and nothing is said.
 */
import type { FileSystem, Logger } from '@shoal/kit';
import { LogCorruptionError } from '../../errors.js';
import { ChunkReader } from './chunk-reader.js';
import {
  FRAME_HEADER_BYTES,
  FRAME_SALT_AT,
  FrameType,
  decodeCommit,
  decodeEntry,
  frameCrcMatches,
  readFrameHeader,
  type FrameProblem,
} from './frame.js';
import { HEAD_TEMP_FILE, readHeadMarker } from './head-marker.js';
import { SEGMENT_HEADER_BYTES, Segment, encodeSegmentHeader, parseFreeSegmentName, parseSegmentName, readSegmentHeader, segmentName, type SegmentId } from './segment.js';

export interface RecoveredLog {
  /** Live segments in index order; the last is the one to append to. */
  segments: Segment[];
  /** Sequences of the free files (segment.ts), oldest first. */
  free: number[];
  /** The sequence number the next segment gets. */
  nextSeq: number;
  /** The persisted first index (0: none); entries below it are deleted. */
  head: number;
  /** Bytes cut from a torn tail. */
  cutBytes: number;
}

interface Scan {
  /** Where scanning stopped: the file's size, or the first bad frame. */
  stop: number;
  problem: FrameProblem | undefined;
  /** End of the last commit frame, and how many entries it covers. */
  committedEnd: number;
  committedCount: number;
}

export async function recoverLog(fs: FileSystem, dir: string, logger: Logger, readOnly = false): Promise<RecoveredLog> {
  const names = await fs.list(dir);
  if (!readOnly && names.includes(HEAD_TEMP_FILE)) await fs.unlink(`${dir}/${HEAD_TEMP_FILE}`);
  const ids = names.map(parseSegmentName).filter((id): id is SegmentId => id !== undefined).sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]!.seq === ids[i - 1]!.seq) throw new LogCorruptionError(`${dir}/${segmentName(ids[i]!.base, ids[i]!.seq)}`, 0, 'two segments share a sequence number');
  }
  const free = names.map(parseFreeSegmentName).filter((seq): seq is number => seq !== undefined).sort((a, b) => a - b);
  // Above every sequence a file here has held, so no file holds a frame with the next salt.
  const nextSeq = Math.max(ids.at(-1)?.seq ?? 0, free.at(-1) ?? 0) + 1;
  const head = await readHeadMarker(fs, dir);
  const newest = ids.at(-1);
  if (newest !== undefined && (await removeIfTornCreation(fs, dir, newest, logger, readOnly))) ids.pop();

  // Newest first: a segment is live while its base is below every newer segment's base.
  const live: { id: SegmentId; limit: number }[] = [];
  const masked: SegmentId[] = [];
  let lowestNewerBase = Number.MAX_SAFE_INTEGER + 1;
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i]!;
    if (id.base < lowestNewerBase) live.unshift({ id, limit: lowestNewerBase - 1 });
    else masked.push(id);
    lowestNewerBase = Math.min(lowestNewerBase, id.base);
  }
  if (!readOnly && masked.length > 0) {
    for (const id of masked) await fs.unlink(`${dir}/${segmentName(id.base, id.seq)}`);
    await fs.syncDir(dir);
  }

  const segments: Segment[] = [];
  let cutBytes = 0;
  for (let k = 0; k < live.length; k++) {
    const { id, limit } = live[k]!;
    const isLast = k === live.length - 1;
    const path = `${dir}/${segmentName(id.base, id.seq)}`;
    const handle = await fs.open(path, { readOnly });
    const size = await handle.size();
    const reader = new ChunkReader(handle, size);
    const header = readSegmentHeader(await reader.bytes(0, SEGMENT_HEADER_BYTES), id);
    if (typeof header === 'string') {
      await handle.close();
      throw new LogCorruptionError(path, 0, header);
    }
    const segment = new Segment(id, path, handle, size, header.reused);
    const scan = await scanFrames(reader, segment, size, limit);
    if (!isLast) {
      if (segment.lastIndex < limit) {
        await handle.close();
        const reason = scan.problem ?? `segment ends at index ${segment.lastIndex}, the next one starts at ${limit + 1}`;
        throw new LogCorruptionError(path, scan.stop, reason);
      }
      segments.push(segment);
      continue;
    }
    const preallocated = !segment.reused && (scan.problem === 'zeros' || scan.problem === 'short') && scan.stop === scan.committedEnd && (await zerosFrom(reader, scan.stop, size));
    if (preallocated) {
      segment.size = scan.committedEnd;
      segments.push(segment);
      continue;
    }
    const after = scan.problem === undefined ? NOTHING_AFTER : await framesAfter(reader, size, scan.stop, segment.salt);
    if (after.laterCommit) {
      await handle.close();
      throw new LogCorruptionError(path, scan.stop, `${scan.problem} frame before a later committed batch`);
    }
    if (segment.reused && scan.stop === scan.committedEnd && !after.any) {
      // The end of this segment's data; the old bytes past it stay allocated for the appends to come.
      segment.size = scan.committedEnd;
      segments.push(segment);
      continue;
    }
    if (scan.committedEnd < size) {
      segment.keepBefore(id.base + scan.committedCount);
      const cut = size - scan.committedEnd;
      cutBytes += cut;
      logger.warn(
        { segment: path, offset: scan.committedEnd, bytes: cut, lastGoodIndex: segment.lastIndex },
        'wal: cut a torn tail back to the last complete batch',
      );
      if (!readOnly) {
        await handle.truncate(scan.committedEnd);
        await handle.datasync();
      }
      segment.size = scan.committedEnd;
      segment.allocated = scan.committedEnd;
    }
    segments.push(segment);
  }
  return { segments, free, nextSeq, head, cutBytes };
}

/** The newest segment may have lost its header to a crash during its creation; it held nothing then. */
async function removeIfTornCreation(fs: FileSystem, dir: string, id: SegmentId, logger: Logger, readOnly: boolean): Promise<boolean> {
  const path = `${dir}/${segmentName(id.base, id.seq)}`;
  const handle = await fs.open(path, { readOnly: true });
  const size = await handle.size();
  const header = await handle.read(0, SEGMENT_HEADER_BYTES);
  await handle.close();
  if (size > SEGMENT_HEADER_BYTES || typeof readSegmentHeader(header, id) !== 'string' || !isTornHeader(header, id)) return false;
  logger.warn({ segment: path, bytes: size }, 'wal: removed a segment whose creation a crash interrupted');
  if (!readOnly) {
    await fs.unlink(path);
    await fs.syncDir(dir);
  }
  return true;
}

/**
 * A prefix of the header a new segment `id` starts with, or zeros: what a
 * crash leaves of an unsynced creation. (A reused file gets its header,
 * synced, before it takes a segment's name.)
 */
function isTornHeader(bytes: Uint8Array, id: SegmentId): boolean {
  const expected = encodeSegmentHeader(id, false);
  return bytes.every((b) => b === 0) || bytes.every((b, i) => b === expected[i]);
}

/** Indexes `segment`'s frames up to `limit` (or the first bad frame), checking each. */
async function scanFrames(reader: ChunkReader, segment: Segment, size: number, limit: number): Promise<Scan> {
  let pos = SEGMENT_HEADER_BYTES;
  let committedEnd = pos;
  let committedCount = 0;
  const path = segment.path;
  while (pos < size && segment.lastIndex < limit) {
    const headerBytes = (await reader.bytes(pos, FRAME_HEADER_BYTES)).slice();
    const header = readFrameHeader(headerBytes, segment.salt);
    if (typeof header === 'string') return { stop: pos, problem: header, committedEnd, committedCount };
    const end = pos + FRAME_HEADER_BYTES + header.payloadBytes;
    if (end > size) return { stop: pos, problem: 'short', committedEnd, committedCount };
    const payload = await reader.bytes(pos + FRAME_HEADER_BYTES, header.payloadBytes);
    if (!frameCrcMatches(headerBytes, payload, header.crc)) return { stop: pos, problem: 'bad crc', committedEnd, committedCount };
    if (header.type === FrameType.Entry) {
      const entry = decodeEntry(payload);
      if (typeof entry === 'string') return { stop: pos, problem: entry, committedEnd, committedCount };
      // A checksummed frame in the wrong place was written wrong, not torn.
      if (entry.index !== segment.lastIndex + 1) throw new LogCorruptionError(path, pos, `entry ${entry.index} where ${segment.lastIndex + 1} belongs`);
      segment.push(pos);
    } else {
      const commit = decodeCommit(payload);
      if (typeof commit === 'string') return { stop: pos, problem: commit, committedEnd, committedCount };
      if (commit.lastIndex !== segment.lastIndex) throw new LogCorruptionError(path, pos, `commit of index ${commit.lastIndex} after entry ${segment.lastIndex}`);
      committedEnd = end;
      committedCount = segment.count;
    }
    pos = end;
  }
  return { stop: pos, problem: undefined, committedEnd, committedCount };
}

const ZERO_CHUNK = new Uint8Array(1024 * 1024);

/** True when every byte from `from` to `size` is zero. */
async function zerosFrom(reader: ChunkReader, from: number, size: number): Promise<boolean> {
  for (let at = from; at < size; at += ZERO_CHUNK.length) {
    const chunk = await reader.bytes(at, ZERO_CHUNK.length);
    // Buffer.compare is a memcmp; a byte loop over a 64 MiB segment's zeros would cost a noticeable part of a second.
    if (Buffer.compare(chunk, ZERO_CHUNK.subarray(0, chunk.length)) !== 0) return false;
  }
  return true;
}

interface FramesAfter {
  /** Some intact frame of the segment lies past the point. */
  any: boolean;
  /** One of them is a commit frame of a write that began past the point. */
  laterCommit: boolean;
}

const NOTHING_AFTER: FramesAfter = { any: false, laterCommit: false };

/**
 * Looks for intact frames of the segment of `salt` past `badAt`. Candidates
 * are found by their salt (a memchr-speed search), then checked whole.
 */
async function framesAfter(reader: ChunkReader, size: number, badAt: number, salt: number): Promise<FramesAfter> {
  const chunkBytes = 256 * 1024;
  const saltBytes = Buffer.alloc(4);
  saltBytes.writeUInt32BE(salt);
  let any = false;
  // A frame's header starts 8 bytes before its salt; the first candidate header is at badAt + 1.
  for (let from = badAt + 1; from + FRAME_HEADER_BYTES <= size; from += chunkBytes) {
    // Each chunk overlaps the next by a header, so a header across the boundary is still seen.
    // A copy: the reader's buffer is reused by the reads below. Buffer.from copies once.
    const chunk = Buffer.from(await reader.bytes(from, chunkBytes + FRAME_HEADER_BYTES - 1));
    for (let hit = chunk.indexOf(saltBytes, FRAME_SALT_AT); hit !== -1 && hit - FRAME_SALT_AT < chunkBytes; hit = chunk.indexOf(saltBytes, hit + 1)) {
      const at = from + hit - FRAME_SALT_AT;
      const headerBytes = chunk.subarray(hit - FRAME_SALT_AT, hit - FRAME_SALT_AT + FRAME_HEADER_BYTES);
      const header = readFrameHeader(headerBytes, salt);
      if (typeof header === 'string' || at + FRAME_HEADER_BYTES + header.payloadBytes > size) continue;
      const payload = await frameBytes(reader, chunk, from, at + FRAME_HEADER_BYTES, header.payloadBytes);
      if (!frameCrcMatches(headerBytes, payload, header.crc)) continue;
      any = true;
      if (header.type !== FrameType.Commit) continue;
      const commit = decodeCommit(payload);
      if (typeof commit !== 'string' && commit.batchStart > badAt) return { any, laterCommit: true };
    }
  }
  return { any, laterCommit: false };
}

/** `length` bytes at `position`: from `chunk` (read at `chunkAt`) when it holds them, else read. */
async function frameBytes(reader: ChunkReader, chunk: Uint8Array, chunkAt: number, position: number, length: number): Promise<Uint8Array> {
  const from = position - chunkAt;
  if (from + length <= chunk.length) return chunk.subarray(from, from + length);
  return (await reader.bytes(position, length)).slice();
}
