/**
 * Reading a FileSnapshotStore snapshot's state.bin: the CRC-64 in meta.json is
 * checked over the whole file first (Go does the same), then the file is read
 * again in chunks as the consumer asks for them, so memory stays at one chunk
 * whatever the snapshot's size.
 */
import type { FileHandle, FileSystem } from '@shoal/kit';
import { bytesEqual, crc64Bytes, crc64UpdateHalves, hex } from '@shoal/kit';
import { SnapshotError } from '../errors.js';
import type { SnapshotSource } from './snapshot.js';
import { chunksSource } from './snapshot.js';
import type { FileSnapshotMeta } from './snapshot-meta-json.js';

async function checkState(file: FileHandle, path: string, { meta, crc }: FileSnapshotMeta, chunkBytes: number): Promise<void> {
  const size = await file.size();
  if (size !== meta.size) throw new SnapshotError(`${path}: ${size} bytes, meta.json says ${meta.size}`);
  let running = { hi: 0, lo: 0 };
  for (let at = 0; at < size; ) {
    const chunk = await file.read(at, Math.min(chunkBytes, size - at));
    if (chunk.length === 0) throw new SnapshotError(`${path}: ended at ${at} of ${size} bytes while checking its CRC`);
    running = crc64UpdateHalves(running, chunk);
    at += chunk.length;
  }
  const computed = crc64Bytes(running);
  if (!bytesEqual(crc, computed)) throw new SnapshotError(`${path}: CRC mismatch (stored ${crc.length === 0 ? 'none' : hex(crc)}, computed ${hex(computed)})`);
}

/** Opens state.bin, verifies it against `read`, and returns a chunked reader that owns the file handle. */
export async function openVerifiedState(fs: FileSystem, path: string, read: FileSnapshotMeta, chunkBytes: number): Promise<SnapshotSource> {
  const file = await fs.open(path, { readOnly: true });
  try {
    await checkState(file, path, read, chunkBytes);
  } catch (err) {
    await file.close().catch(() => {});
    throw err;
  }
  const size = read.meta.size;
  let closed = false;
  const release = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await file.close();
  };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    // Checked again as it streams: a file that changed since open() must not pass as the snapshot.
    let running = { hi: 0, lo: 0 };
    try {
      let at = 0;
      while (at < size && !closed) {
        const chunk = await file.read(at, Math.min(chunkBytes, size - at));
        if (chunk.length === 0) throw new SnapshotError(`${path}: ended at ${at} of ${size} bytes`);
        running = crc64UpdateHalves(running, chunk);
        at += chunk.length;
        if (at === size && !bytesEqual(crc64Bytes(running), read.crc)) throw new SnapshotError(`${path}: changed while being read (CRC mismatch)`);
        yield chunk;
      }
    } finally {
      await release();
    }
  }
  return chunksSource(chunks(), release);
}
