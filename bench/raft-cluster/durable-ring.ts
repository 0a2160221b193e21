// Durable writes at the disk's floor: positional writes on an O_DSYNC
// descriptor into space written with zeros and synced first, reused as a
// ring, so no write changes the file's size or extents.
import type { FileHandle } from 'node:fs/promises';

const RING_BYTES = 4 * 1024 * 1024;

export class DurableRing {
  #position = 0;

  private constructor(private readonly file: FileHandle) {}

  /** `file` must be open with O_DSYNC; it is filled with zeros and synced before this returns. */
  static async open(file: FileHandle): Promise<DurableRing> {
    await file.write(new Uint8Array(RING_BYTES), 0, RING_BYTES, 0);
    await file.sync();
    return new DurableRing(file);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#position + bytes.length > RING_BYTES) this.#position = 0;
    const { bytesWritten } = await this.file.write(bytes, 0, bytes.length, this.#position);
    if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length}`);
    this.#position += bytes.length;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
