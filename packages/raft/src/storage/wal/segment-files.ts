/**
 * The segment files of one WAL directory: new segments are created here,
 * from a freed file when one is kept (segment.ts explains reuse), and the
 * segments the log no longer needs are retired here, kept for reuse or
 * removed. Sequence numbers are handed out here too, above every sequence a
 * file in the directory has held, so a new segment's salt is never found in
 * a reused file.
 */
import type { FileSystem } from '@shoal/kit';
import { SEGMENT_HEADER_BYTES, Segment, encodeSegmentHeader, freeSegmentName, segmentName } from './segment.js';

export class SegmentFiles {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #keep: number;
  /** Sequences of the free files, oldest first. */
  readonly #free: number[];
  #nextSeq: number;
  #reused = 0;

  /** `free` and `nextSeq` as recovery found them; `keep` free files at most (reuseSegments). */
  constructor(fs: FileSystem, dir: string, keep: number, free: number[], nextSeq: number) {
    this.#fs = fs;
    this.#dir = dir;
    this.#keep = keep;
    this.#free = [...free];
    this.#nextSeq = nextSeq;
  }

  /** Free files waiting to be reused. */
  get freeCount(): number {
    return this.#free.length;
  }

  /** Segments created since open that reused a free file. */
  get reusedCount(): number {
    return this.#reused;
  }

  /** Removes free files past `keep` (the option was lowered since they were kept). */
  async dropBeyondKeep(): Promise<void> {
    if (this.#free.length <= this.#keep) return;
    for (const seq of this.#free.splice(0, this.#free.length - this.#keep)) await this.#fs.unlink(`${this.#dir}/${freeSegmentName(seq)}`);
    await this.#fs.syncDir(this.#dir);
  }

  /** A new, durable, empty segment starting at `base`: a free file when there is one, else a new file. */
  async create(base: number): Promise<Segment> {
    const id = { base, seq: this.#nextSeq++ };
    const path = `${this.#dir}/${segmentName(id.base, id.seq)}`;
    const reuse = this.#free.shift();
    if (reuse !== undefined) {
      // Header first, synced, then the name: under either name after a crash the file is consistent.
      const freePath = `${this.#dir}/${freeSegmentName(reuse)}`;
      const free = await this.#fs.open(freePath);
      try {
        await free.write(0, encodeSegmentHeader(id, true));
        await free.datasync();
      } finally {
        await free.close();
      }
      await this.#fs.rename(freePath, path);
      await this.#fs.syncDir(this.#dir);
      const handle = await this.#fs.open(path);
      const segment = new Segment(id, path, handle, SEGMENT_HEADER_BYTES, true);
      // Every byte of the file is written and allocated: appends up to its size change neither.
      segment.allocated = Math.max(SEGMENT_HEADER_BYTES, await handle.size());
      this.#reused++;
      return segment;
    }
    const handle = await this.#fs.open(path, { create: true, exclusive: true });
    await handle.write(0, encodeSegmentHeader(id, false));
    await handle.datasync();
    await this.#fs.syncDir(this.#dir);
    return new Segment(id, path, handle, SEGMENT_HEADER_BYTES, false);
  }

  /**
   * Takes a segment out of the log: kept as a free file while fewer than
   * `keep` are, else removed. The caller syncs the directory; until then a
   * crash may leave the old name, which recovery drops again.
   */
  async retire(segment: Segment): Promise<void> {
    await segment.handle.close().catch(() => undefined);
    if (this.#free.length < this.#keep) {
      await this.#fs.rename(segment.path, `${this.#dir}/${freeSegmentName(segment.seq)}`);
      this.#free.push(segment.seq);
    } else {
      await this.#fs.unlink(segment.path);
    }
  }
}
