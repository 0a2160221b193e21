/**
 * Opening a WAL directory: every segment's frames are checked and indexed.
 *
 * A bad frame (short, zeroed, checksum or decode failure) means one of two
 * things. If a commit frame of a *later* write follows it, the bad bytes had
 * been synced before that write began: corruption, a LogCorruptionError.
 * Otherwise it is the tail of the last write, which a crash tore or left half
 * on disk: cut back to the last complete batch, said in a warning. Segments
 * other than the last were complete before the next one was created, so any
 * bad frame in them is corruption.
 */
import type { FileSystem, Logger } from '@shoal/kit';
import { LogCorruptionError } from '../../errors.js';
import { ChunkReader } from './chunk-reader.js';
import {
  COMMIT_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FrameType,
  decodeCommit,
  decodeEntry,
  frameCrcMatches,
  readFrameHeader,
  type FrameProblem,
} from './frame.js';
import { HEAD_TEMP_FILE, readHeadMarker } from './head-marker.js';
import { SEGMENT_HEADER_BYTES, Segment, encodeSegmentHeader, parseSegmentName, segmentHeaderProblem, segmentName } from './segment.js';

export interface RecoveredLog {
  /** Segments in index order; the last is the one to append to. */
  segments: Segment[];
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
  const bases = names.map(parseSegmentName).filter((b): b is number => b !== undefined).sort((a, b) => a - b);
  const head = await readHeadMarker(fs, dir);
  const segments: Segment[] = [];
  let cutBytes = 0;
  for (let k = 0; k < bases.length; k++) {
    const base = bases[k]!;
    const isLast = k === bases.length - 1;
    const path = `${dir}/${segmentName(base)}`;
    const handle = await fs.open(path, { readOnly });
    const size = await handle.size();
    const reader = new ChunkReader(handle, size);
    const header = await reader.bytes(0, SEGMENT_HEADER_BYTES);
    const headerProblem = segmentHeaderProblem(header, base);
    if (headerProblem !== undefined) {
      // A segment created just before a crash may have lost its header; it held nothing.
      if (isLast && size <= SEGMENT_HEADER_BYTES && isTornHeader(header, base)) {
        await handle.close();
        logger.warn({ segment: path, bytes: size }, 'wal: removed a segment whose creation a crash interrupted');
        if (!readOnly) {
          await fs.unlink(path);
          await fs.syncDir(dir);
        }
        continue;
      }
      await handle.close();
      throw new LogCorruptionError(path, 0, headerProblem);
    }
    const limit = isLast ? Number.MAX_SAFE_INTEGER : bases[k + 1]! - 1;
    const segment = new Segment(base, path, handle, size);
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
    if (scan.problem !== undefined && (await laterWriteFollows(reader, size, scan.stop))) {
      await handle.close();
      throw new LogCorruptionError(path, scan.stop, `${scan.problem} frame before a later committed batch`);
    }
    if (scan.committedEnd < size) {
      segment.keepBefore(base + scan.committedCount);
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
    }
    segments.push(segment);
  }
  return { segments, head, cutBytes };
}

/** A prefix of the header a segment of `base` starts with, or zeros: what a crash leaves of an unsynced creation. */
function isTornHeader(bytes: Uint8Array, base: number): boolean {
  const expected = encodeSegmentHeader(base);
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
    const header = readFrameHeader(headerBytes);
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

/** True when an intact commit frame after `badAt` belongs to a write that began after it. */
async function laterWriteFollows(reader: ChunkReader, size: number, badAt: number): Promise<boolean> {
  for (let q = badAt + 1; q + COMMIT_FRAME_BYTES <= size; q++) {
    const window = await reader.bytes(q, COMMIT_FRAME_BYTES);
    if (window[0] !== FrameType.Commit) continue;
    const frame = window.slice();
    const header = readFrameHeader(frame);
    if (typeof header === 'string' || header.type !== FrameType.Commit) continue;
    const payload = frame.subarray(FRAME_HEADER_BYTES);
    if (!frameCrcMatches(frame, payload, header.crc)) continue;
    const commit = decodeCommit(payload);
    if (typeof commit !== 'string' && commit.batchStart > badAt) return true;
  }
  return false;
}
