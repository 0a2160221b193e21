/**
 * One segment file of the WAL: `<first index, 20 digits>-<sequence, 16 hex>.wal`
 * (raft-wal's naming), a 28-byte header, then frames (frame.ts). In memory a
 * segment is its open handle, its size and an index of where each entry's
 * frame starts: 4 bytes per entry, not the entries themselves.
 *
 *   header = magic u32 | version u32 | base index u64 | salt u32 | flags u32 | crc32 of the rest u32
 *
 * The salt comes from the sequence number, unique to each segment the
 * directory has held: a segment compaction frees is kept as a free file,
 * `<sequence, 16 hex>.free`, and a later segment is that file renamed, with
 * a new header (flag REUSED) and a new salt. Its appends then overwrite
 * blocks already written and allocated, so a sync has no file size or
 * extent to commit; the old incarnation's frames behind them carry another
 * salt and are never read as this segment's.
 *
 * Sequence numbers give the order segments were created in, and a segment
 * starting at index b cuts the log built by every older segment at b - 1. So
 * a tail truncation is the creation of one new segment, atomic on disk, and
 * never rewrites bytes that were synced; segments it masks whole are removed
 * afterwards as cleanup.
 */
import { crc32 } from '@shoal/kit';
import type { FileHandle } from '@shoal/kit';

export const SEGMENT_HEADER_BYTES = 28;
const MAGIC = 0x5348_574c; // "SHWL"
/** 2: frames carry the segment's salt (version 1 had neither salt nor reuse). */
const VERSION = 2;
/** The file held an earlier segment: bytes past the log may be that segment's frames. */
const FLAG_REUSED = 1;
const NAME_PATTERN = /^(\d{20})-([0-9a-f]{16})\.wal$/;
const FREE_PATTERN = /^([0-9a-f]{16})\.free$/;
/** Offsets are u32: a segment never grows past this (the store rotates first). */
export const MAX_SEGMENT_OFFSET = 0xffff_ffff;

export function segmentName(base: number, seq: number): string {
  return `${String(base).padStart(20, '0')}-${seq.toString(16).padStart(16, '0')}.wal`;
}

export interface SegmentId {
  base: number;
  seq: number;
}

/** A freed segment's file kept for reuse, named after the last segment it held. */
export function freeSegmentName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.free`;
}

/** The sequence of the segment a free file last held, or undefined when `name` is not a free file. */
export function parseFreeSegmentName(name: string): number | undefined {
  const match = FREE_PATTERN.exec(name);
  if (match === null) return undefined;
  const seq = Number.parseInt(match[1]!, 16);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/**
 * The salt of segment `seq`: never 0 (zeros are preallocated space), and
 * different for any two of 2^32 - 1 consecutive sequences. Every salt in a
 * free file is that of its own sequence or an older one, and a new segment's
 * sequence is above every file's in the directory, so a reused file's old
 * frames never carry the new salt.
 */
export function saltOf(seq: number): number {
  return (seq % 0xffff_ffff) + 1;
}

/** The segment's base index and sequence, or undefined when `name` is not a segment file. */
export function parseSegmentName(name: string): SegmentId | undefined {
  const match = NAME_PATTERN.exec(name);
  if (match === null) return undefined;
  const base = Number(match[1]);
  const seq = Number.parseInt(match[2]!, 16);
  return Number.isSafeInteger(base) && base > 0 && Number.isSafeInteger(seq) ? { base, seq } : undefined;
}

export function encodeSegmentHeader(id: SegmentId, reused: boolean): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, VERSION);
  view.setUint32(8, Math.floor(id.base / 0x1_0000_0000));
  view.setUint32(12, id.base >>> 0);
  view.setUint32(16, saltOf(id.seq));
  view.setUint32(20, reused ? FLAG_REUSED : 0);
  view.setUint32(24, crc32(out.subarray(0, 24)));
  return out;
}

/** Whether the file held an earlier segment, or why the header does not open segment `id`. */
export function readSegmentHeader(bytes: Uint8Array, id: SegmentId): { reused: boolean } | string {
  if (bytes.length < SEGMENT_HEADER_BYTES) return `header is ${bytes.length} bytes, expected ${SEGMENT_HEADER_BYTES}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(0) !== MAGIC) return 'not a shoal WAL segment (bad magic)';
  // Before the checksum: another version's header has its checksum elsewhere, and is not corrupt.
  const version = view.getUint32(4);
  if (version !== VERSION) {
    return `segment format version ${version}, this store reads version ${VERSION} only${version === 1 ? ' (version 1, from before segment reuse, is not migrated: see docs/raft.md)' : ''}`;
  }
  if (view.getUint32(24) !== crc32(bytes.subarray(0, 24))) return 'header checksum mismatch';
  const stored = view.getUint32(8) * 0x1_0000_0000 + view.getUint32(12);
  if (stored !== id.base) return `header says base index ${stored}, the file name ${id.base}`;
  if (view.getUint32(16) !== saltOf(id.seq)) return `header has salt ${view.getUint32(16)}, sequence ${id.seq} gives ${saltOf(id.seq)}`;
  const flags = view.getUint32(20);
  if ((flags & ~FLAG_REUSED) !== 0) return `unknown header flags ${flags}`;
  return { reused: flags === FLAG_REUSED };
}

export class Segment {
  readonly base: number;
  readonly seq: number;
  /** Stamped into every frame of this segment (frame.ts). */
  readonly salt: number;
  /** The file held an earlier segment (see the top of this file). */
  readonly reused: boolean;
  readonly path: string;
  readonly handle: FileHandle;
  /** Bytes of the file that belong to the log (the next frame goes here). */
  size: number;
  /** Bytes the file is known to hold on disk: `size`, plus zeros written ahead of it (preallocation). */
  allocated: number;
  #offsets: Uint32Array;
  #count = 0;

  constructor(id: SegmentId, path: string, handle: FileHandle, size: number, reused: boolean) {
    this.base = id.base;
    this.seq = id.seq;
    this.salt = saltOf(id.seq);
    this.reused = reused;
    this.path = path;
    this.handle = handle;
    this.size = size;
    this.allocated = size;
    this.#offsets = new Uint32Array(64);
  }

  get count(): number {
    return this.#count;
  }

  /** The last index held; base - 1 when empty. */
  get lastIndex(): number {
    return this.base + this.#count - 1;
  }

  /** Where the frame of `index` starts. */
  offsetOf(index: number): number {
    return this.#offsets[index - this.base]!;
  }

  push(offset: number): void {
    if (this.#count === this.#offsets.length) {
      const grown = new Uint32Array(this.#offsets.length * 2);
      grown.set(this.#offsets);
      this.#offsets = grown;
    }
    this.#offsets[this.#count++] = offset;
  }

  /** Forgets entries from `index` on (they are masked by a newer segment). */
  keepBefore(index: number): void {
    this.#count = Math.max(0, Math.min(this.#count, index - this.base));
  }

  /** Bytes of memory the offsets take. */
  get indexBytes(): number {
    return this.#offsets.byteLength;
  }
}
