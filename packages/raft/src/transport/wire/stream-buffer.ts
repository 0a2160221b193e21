/**
 * The bytes a frame reader has received and not yet handed out: a growable
 * buffer that compacts before growing, with a hard cap so a peer that never
 * finishes a message cannot make it grow without bound.
 */
import { WireError } from './errors.js';

const INITIAL_CAPACITY = 4096;

export class StreamBuffer {
  bytes = new Uint8Array(INITIAL_CAPACITY);
  /** First unconsumed byte. */
  start = 0;
  /** One past the last received byte. */
  end = 0;

  /** @param maxBuffered most unconsumed bytes held at once; beyond it `append` throws ERR_WIRE_TOO_LARGE. */
  constructor(private readonly maxBuffered: number) {}

  get length(): number {
    return this.end - this.start;
  }

  /**
   * Appends `chunk`. Returns how far existing bytes moved left (compaction),
   * so offsets into the buffer can follow.
   */
  append(chunk: Uint8Array): number {
    const kept = this.end - this.start;
    if (kept + chunk.length > this.maxBuffered) {
      throw new WireError('ERR_WIRE_TOO_LARGE', `${kept + chunk.length} bytes buffered without a complete message, limit ${this.maxBuffered}`);
    }
    let moved = 0;
    if (this.end + chunk.length > this.bytes.length) {
      moved = this.start;
      const needed = kept + chunk.length;
      if (needed > this.bytes.length) {
        let capacity = this.bytes.length * 2;
        while (capacity < needed) capacity *= 2;
        const next = new Uint8Array(capacity);
        next.set(this.bytes.subarray(this.start, this.end));
        this.bytes = next;
      } else {
        this.bytes.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = kept;
    }
    this.bytes.set(chunk, this.end);
    this.end += chunk.length;
    return -moved;
  }

  /** Marks everything before `offset` consumed. */
  consumeTo(offset: number): void {
    this.start = offset;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      // Don't pin the memory of one huge message on an idle connection.
      if (this.bytes.length > 1024 * 1024) this.bytes = new Uint8Array(INITIAL_CAPACITY);
    }
  }

  /** Removes and returns (a copy of) up to `max` unconsumed bytes. */
  take(max: number): Uint8Array {
    const n = Math.max(0, Math.min(max, this.length));
    const out = this.bytes.slice(this.start, this.start + n);
    this.consumeTo(this.start + n);
    return out;
  }
}
