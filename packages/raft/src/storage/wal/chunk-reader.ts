/**
 * Sequential reads of a file through a window of a few hundred KiB, so a
 * recovery scan costs one read per window rather than two per frame, and
 * never holds a whole segment in memory.
 */
import type { FileHandle } from '@shoal/kit';

const WINDOW_BYTES = 256 * 1024;

export class ChunkReader {
  readonly #handle: FileHandle;
  readonly #size: number;
  #window: Uint8Array = new Uint8Array(0);
  #windowStart = 0;

  constructor(handle: FileHandle, size: number) {
    this.#handle = handle;
    this.#size = size;
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file). The view is valid until the next call. */
  async bytes(position: number, length: number): Promise<Uint8Array> {
    const end = Math.min(position + length, this.#size);
    if (position < this.#windowStart || end > this.#windowStart + this.#window.length) {
      const want = Math.min(Math.max(length, WINDOW_BYTES), this.#size - position);
      this.#window = await this.#handle.read(position, Math.max(0, want));
      this.#windowStart = position;
    }
    const from = position - this.#windowStart;
    return this.#window.subarray(from, Math.min(from + (end - position), this.#window.length));
  }
}
