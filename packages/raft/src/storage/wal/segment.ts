/**
 * One segment file of the WAL: `<first index, 20 digits>-<sequence, 16 hex>.wal`
 * (raft-wal's naming), a 24-byte header, then frames (frame.ts). In memory a
 * segment is its open handle, its size and an index of where each entry's
 * frame starts: 4 bytes per entry, not the entries themselves.
 *
 * Sequence numbers give the order segments were created in, and a segment
 * starting at index b cuts the log built by every older segment at b - 1. So
 * a tail truncation is the creation of one new segment, atomic on disk, and
 * never rewrites bytes that were synced; segments it masks whole are removed
 * afterwards as cleanup.
 */
import { crc32 } from '@shoal/kit';
import type { FileHandle } from '@shoal/kit';

export const SEGMENT_HEADER_BYTES = 24;
const MAGIC = 0x5348_574c; // "SHWL"
const VERSION = 1;
const NAME_PATTERN = /^(\d{20})-([0-9a-f]{16})\.wal$/;
/** Offsets are u32: a segment never grows past this (the store rotates first). */
export const MAX_SEGMENT_OFFSET = 0xffff_ffff;

export function segmentName(base: number, seq: number): string {
  return `${String(base).padStart(20, '0')}-${seq.toString(16).padStart(16, '0')}.wal`;
}

export interface SegmentId {
  base: number;
  seq: number;
}

/** The segment's base index and sequence, or undefined when `name` is not a segment file. */
export function parseSegmentName(name: string): SegmentId | undefined {
  const match = NAME_PATTERN.exec(name);
  if (match === null) return undefined;
  const base = Number(match[1]);
  const seq = Number.parseInt(match[2]!, 16);
  return Number.isSafeInteger(base) && base > 0 && Number.isSafeInteger(seq) ? { base, seq } : undefined;
}

export function encodeSegmentHeader(base: number): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, VERSION);
  view.setUint32(8, Math.floor(base / 0x1_0000_0000));
  view.setUint32(12, base >>> 0);
  view.setUint32(20, crc32(out.subarray(0, 20)));
  return out;
}

/** Why a header does not open a segment of `base`; undefined when it does. */
export function segmentHeaderProblem(bytes: Uint8Array, base: number): string | undefined {
  if (bytes.length < SEGMENT_HEADER_BYTES) return `header is ${bytes.length} bytes, expected ${SEGMENT_HEADER_BYTES}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.getUint32(0) !== MAGIC) return 'not a shoal WAL segment (bad magic)';
  if (view.getUint32(20) !== crc32(bytes.subarray(0, 20))) return 'header checksum mismatch';
  if (view.getUint32(4) !== VERSION) return `unsupported segment version ${view.getUint32(4)}`;
  const stored = view.getUint32(8) * 0x1_0000_0000 + view.getUint32(12);
  if (stored !== base) return `header says base index ${stored}, the file name ${base}`;
  return undefined;
}

export class Segment {
  readonly base: number;
  readonly seq: number;
  readonly path: string;
  readonly handle: FileHandle;
  /** Bytes of the file that belong to the log (the next frame goes here). */
  size: number;
  /** Bytes the file is known to hold on disk: `size`, plus zeros written ahead of it (preallocation). */
  allocated: number;
  #offsets: Uint32Array;
  #count = 0;

  constructor(id: SegmentId, path: string, handle: FileHandle, size: number, offsets?: Uint32Array, count = 0) {
    this.base = id.base;
    this.seq = id.seq;
    this.path = path;
    this.handle = handle;
    this.size = size;
    this.allocated = size;
    this.#offsets = offsets ?? new Uint32Array(64);
    this.#count = count;
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
