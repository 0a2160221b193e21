/**
 * The WAL's record format. A segment is a header followed by frames:
 *
 *   frame   = type u8 | 3 zero bytes | payload length u32 | salt u32 | crc32 u32 | payload
 *   entry   = index u64 | term u64 | log type u8 | appendedAt f64 | data (u32 length + bytes) | extensions (same)
 *   commit  = last index of the batch u64 | file offset where the batch's write began u64
 *
 * The salt is the segment's (segment.ts): a segment file is reused once
 * compaction frees it, and its old frames stay behind the new ones, so every
 * frame says which incarnation of the file wrote it. The CRC covers the first
 * 8 header bytes, the payload and then the salt, so a torn or flipped header
 * is caught as surely as a flipped payload byte, and a batch can be encoded
 * before the segment it goes to is known: sealing folds the salt in last, 4
 * bytes of CRC per frame. Integers are big-endian. Every decoder here is
 * total: bad bytes give a FrameProblem, not an exception.
 */
import { crc32, crc32Update } from '@shoal/kit';
import type { Log, LogType } from '../../log.js';

export const FRAME_HEADER_BYTES = 16;
/** Where a frame's salt is in its header. */
export const FRAME_SALT_AT = 8;
const CRC_AT = 12;
export const FrameType = { Entry: 1, Commit: 2 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const ENTRY_FIXED_BYTES = 8 + 8 + 1 + 8 + 4 + 4;
export const COMMIT_PAYLOAD_BYTES = 16;
export const COMMIT_FRAME_BYTES = FRAME_HEADER_BYTES + COMMIT_PAYLOAD_BYTES;
/** No sane entry is this large; a header claiming more is garbage, not a reason to allocate. */
export const MAX_PAYLOAD_BYTES = 1 << 30;
const TWO_32 = 0x1_0000_0000;

function putU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / TWO_32));
  view.setUint32(at + 4, value >>> 0);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
}

export function entryFrameBytes(log: Log): number {
  return FRAME_HEADER_BYTES + ENTRY_FIXED_BYTES + log.data.length + log.extensions.length;
}

/** The CRC of a frame whose header (first 8 bytes) and payload gave `partial`: the salt goes in last. */
function withSalt(partial: number, salt: number): number {
  SALT_BYTES_VIEW.setUint32(0, salt);
  return crc32Update(partial, SALT_BYTES);
}
const SALT_BYTES = new Uint8Array(4);
const SALT_BYTES_VIEW = new DataView(SALT_BYTES.buffer);

function seal(out: Uint8Array, view: DataView, at: number, type: FrameType, payloadBytes: number, salt: number): void {
  view.setUint8(at, type);
  view.setUint32(at + 4, payloadBytes);
  view.setUint32(at + FRAME_SALT_AT, salt);
  const partial = crc32Update(crc32Update(0, out, at, at + 8), out, at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + payloadBytes);
  view.setUint32(at + CRC_AT, withSalt(partial, salt));
}

/** Writes the entry's frame, for a segment of `salt`, into `out` at `at`; returns the position after it. */
export function writeEntryFrame(out: Uint8Array, at: number, log: Log, salt: number): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let p = at + FRAME_HEADER_BYTES;
  putU64(view, p, log.index);
  putU64(view, p + 8, log.term);
  view.setUint8(p + 16, log.type);
  view.setFloat64(p + 17, log.appendedAt);
  p += 25;
  view.setUint32(p, log.data.length);
  out.set(log.data, p + 4);
  p += 4 + log.data.length;
  view.setUint32(p, log.extensions.length);
  out.set(log.extensions, p + 4);
  p += 4 + log.extensions.length;
  seal(out, view, at, FrameType.Entry, p - at - FRAME_HEADER_BYTES, salt);
  return p;
}

export function commitFrame(lastIndex: number, batchStart: number, salt: number): Uint8Array {
  const out = new Uint8Array(COMMIT_FRAME_BYTES);
  writeCommitFrame(out, 0, lastIndex, batchStart, salt);
  return out;
}

/** Writes a commit frame, for a segment of `salt`, into `out` at `at` (COMMIT_FRAME_BYTES long). */
export function writeCommitFrame(out: Uint8Array, at: number, lastIndex: number, batchStart: number, salt: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  putU64(view, at + FRAME_HEADER_BYTES, lastIndex);
  putU64(view, at + FRAME_HEADER_BYTES + 8, batchStart);
  seal(out, view, at, FrameType.Commit, COMMIT_PAYLOAD_BYTES, salt);
}

export interface FrameHeader {
  type: FrameType;
  payloadBytes: number;
  crc: number;
}

/**
 * Why bytes are not a frame of the segment being read (a torn tail,
 * corruption, or the end of this incarnation's data: the caller decides
 * which). 'stale' is a well-formed header with another salt: a frame an
 * earlier incarnation of the file wrote.
 */
export type FrameProblem = 'short' | 'zeros' | 'bad header' | 'stale' | 'bad crc' | 'bad payload';

/** Decodes the header bytes at `bytes[0..]` of a frame expected in a segment of `salt`. */
export function readFrameHeader(bytes: Uint8Array, salt: number): FrameHeader | FrameProblem {
  if (bytes.length < FRAME_HEADER_BYTES) return 'short';
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  const type = view.getUint8(0);
  const payloadBytes = view.getUint32(4);
  const crc = view.getUint32(CRC_AT);
  if (type === 0 && payloadBytes === 0 && crc === 0 && view.getUint32(0) === 0 && view.getUint32(FRAME_SALT_AT) === 0) return 'zeros';
  if ((type !== FrameType.Entry && type !== FrameType.Commit) || view.getUint8(1) !== 0 || view.getUint16(2) !== 0) return 'bad header';
  if (payloadBytes > MAX_PAYLOAD_BYTES) return 'bad header';
  if (type === FrameType.Commit && payloadBytes !== COMMIT_PAYLOAD_BYTES) return 'bad header';
  if (view.getUint32(FRAME_SALT_AT) !== salt) return 'stale';
  return { type, payloadBytes, crc };
}

/** True when the payload matches the header's CRC. `headerBytes` is the frame's header (its salt included). */
export function frameCrcMatches(headerBytes: Uint8Array, payload: Uint8Array, crc: number): boolean {
  return crc32Update(crc32Update(crc32(headerBytes.subarray(0, 8)), payload), headerBytes, FRAME_SALT_AT, FRAME_SALT_AT + 4) === crc;
}

export function decodeEntry(payload: Uint8Array): Log | FrameProblem {
  if (payload.length < ENTRY_FIXED_BYTES) return 'bad payload';
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const index = getU64(view, 0);
  const term = getU64(view, 8);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) return 'bad payload';
  const type = view.getUint8(16) as LogType;
  const appendedAt = view.getFloat64(17);
  let p = 25;
  const dataLength = view.getUint32(p);
  if (p + 4 + dataLength + 4 > payload.length) return 'bad payload';
  const data = payload.slice(p + 4, p + 4 + dataLength);
  p += 4 + dataLength;
  const extLength = view.getUint32(p);
  if (p + 4 + extLength !== payload.length) return 'bad payload';
  const extensions = payload.slice(p + 4, p + 4 + extLength);
  return { index, term, type, data, extensions, appendedAt };
}

export interface CommitRecord {
  lastIndex: number;
  batchStart: number;
}

export function decodeCommit(payload: Uint8Array): CommitRecord | FrameProblem {
  if (payload.length !== COMMIT_PAYLOAD_BYTES) return 'bad payload';
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const lastIndex = getU64(view, 0);
  const batchStart = getU64(view, 8);
  if (!Number.isSafeInteger(lastIndex) || !Number.isSafeInteger(batchStart)) return 'bad payload';
  return { lastIndex, batchStart };
}

/**
 * Data of at least this many bytes is written as a chunk of its own of the
 * group's writev, straight from the entry's array; shorter data is copied
 * into the batch's frame buffer, which costs less than a chunk. So a batch
 * of large entries is never gathered into a buffer before its write.
 */
export const OWN_CHUNK_MIN_BYTES = 1024;

/**
 * One storeLogs batch, encoded for its write: the frame buffer holds every
 * entry's header and fixed fields, its extensions, the data of small
 * entries, and room for the batch's commit frame at its end (filled when
 * the group's position is known); `chunks` are the batch's bytes in file
 * order, runs of that buffer with the large entries' data between them.
 */
export interface EncodedBatch {
  chunks: Uint8Array[];
  /** Bytes of the entry frames, without the commit frame. */
  byteLength: number;
  frames: Uint8Array;
  /** Where each entry's frame starts, from the batch's first byte. */
  offsets: Uint32Array;
  /** Where each entry's frame header is in `frames`, and its CRC before the salt (sealBatch finishes both). */
  heads: Uint32Array;
  unsaltedCrcs: Uint32Array;
  /**
   * The entries as the store keeps them: objects of its own, holding the
   * callers' data and extensions arrays as given (LogStore.storeLogs: they
   * do not change), so keeping an entry copies none of its bytes.
   */
  logs: Log[];
}

export function encodeBatch(logs: readonly Log[]): EncodedBatch {
  let frameBufferBytes = COMMIT_FRAME_BYTES;
  for (const log of logs) frameBufferBytes += entryFrameBytes(log) - (log.data.length >= OWN_CHUNK_MIN_BYTES ? log.data.length : 0);
  // One allocation for the frame buffer and, after it (4-byte aligned), the three per-entry arrays.
  const perEntryAt = (frameBufferBytes + 3) & ~3;
  const buffer = new ArrayBuffer(perEntryAt + logs.length * 12);
  const frames = new Uint8Array(buffer, 0, frameBufferBytes);
  const view = new DataView(buffer, 0, frameBufferBytes);
  const perEntry = new Uint32Array(buffer, perEntryAt, logs.length * 3);
  const offsets = perEntry.subarray(0, logs.length);
  const heads = perEntry.subarray(logs.length, logs.length * 2);
  const unsaltedCrcs = perEntry.subarray(logs.length * 2);
  const kept: Log[] = new Array(logs.length);
  const chunks: Uint8Array[] = [];
  let at = 0;
  /** Start of the run of the frame buffer not yet in `chunks`. */
  let runStart = 0;
  let batchAt = 0;
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    const frame = at;
    offsets[i] = batchAt;
    heads[i] = frame;
    const dataBytes = log.data.length;
    const extensionBytes = log.extensions.length;
    const payloadBytes = ENTRY_FIXED_BYTES + dataBytes + extensionBytes;
    view.setUint8(frame, FrameType.Entry);
    view.setUint32(frame + 4, payloadBytes);
    let p = frame + FRAME_HEADER_BYTES;
    putU64(view, p, log.index);
    putU64(view, p + 8, log.term);
    view.setUint8(p + 16, log.type);
    view.setFloat64(p + 17, log.appendedAt);
    view.setUint32(p + 25, dataBytes);
    p += 29;
    // The CRC covers the header's first 8 bytes and the payload, in file order; ranges of the frame buffer need no views.
    let crc = crc32Update(0, frames, frame, frame + 8);
    let unsummed = frame + FRAME_HEADER_BYTES;
    if (dataBytes >= OWN_CHUNK_MIN_BYTES) {
      crc = crc32Update(crc32Update(crc, frames, unsummed, p), log.data);
      chunks.push(frames.subarray(runStart, p), log.data);
      runStart = unsummed = p;
    } else {
      frames.set(log.data, p);
      p += dataBytes;
    }
    view.setUint32(p, extensionBytes);
    frames.set(log.extensions, p + 4);
    p += 4 + extensionBytes;
    unsaltedCrcs[i] = crc32Update(crc, frames, unsummed, p);
    kept[i] = { index: log.index, term: log.term, type: log.type, data: log.data, extensions: log.extensions, appendedAt: log.appendedAt };
    at = p;
    batchAt += FRAME_HEADER_BYTES + payloadBytes;
  }
  chunks.push(frames.subarray(runStart));
  return { chunks, byteLength: batchAt, frames, offsets, heads, unsaltedCrcs, logs: kept };
}

/** Stamps the salt of the segment the batch goes to into its entry frames, and fills its commit frame (the end of its frame buffer, so of its last chunk). */
export function sealBatch(batch: EncodedBatch, batchStart: number, salt: number): void {
  const { frames, heads, unsaltedCrcs } = batch;
  const view = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
  for (let i = 0; i < heads.length; i++) {
    view.setUint32(heads[i]! + FRAME_SALT_AT, salt);
    view.setUint32(heads[i]! + CRC_AT, withSalt(unsaltedCrcs[i]!, salt));
  }
  writeCommitFrame(frames, frames.length - COMMIT_FRAME_BYTES, batch.logs[batch.logs.length - 1]!.index, batchStart, salt);
}
