// Durable writes at the disk's floor: positional writes on an O_DSYNC
// descriptor into space written with zeros and synced first, reused as a
// ring, so no write changes the file's size or extents. The floor of
// bench/raft-cluster's commit and of bench/raft-log's dsync-preallocated.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const DEFAULT_RING_BYTES = 4 * 1024 * 1024;
const ZERO_CHUNK_BYTES = 4 * 1024 * 1024;

export class DurableRing {
  #position = 0;

  private constructor(
    readonly file: FileHandle,
    private readonly ringBytes: number,
  ) {}

  /** Creates `path` (truncating it) open with O_DSYNC, and fills `ringBytes` of it with synced zeros before this returns. */
  static async create(path: string, ringBytes = DEFAULT_RING_BYTES): Promise<DurableRing> {
    const file = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC);
    try {
      const zeros = new Uint8Array(Math.min(ZERO_CHUNK_BYTES, ringBytes));
      for (let at = 0; at < ringBytes; at += zeros.length) await writeAll(file, zeros.subarray(0, Math.min(zeros.length, ringBytes - at)), at);
      await file.sync();
    } catch (error) {
      await file.close();
      throw error;
    }
    return new DurableRing(file, ringBytes);
  }

  /** One durable write of `bytes` (at most the ring's size). */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.ringBytes) throw new RangeError(`durable ring: ${bytes.length} bytes do not fit its ${this.ringBytes}`);
    if (this.#position + bytes.length > this.ringBytes) this.#position = 0;
    await writeAll(this.file, bytes, this.#position);
    this.#position += bytes.length;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  const { bytesWritten } = await file.write(bytes, 0, bytes.length, position);
  if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length}`);
}
