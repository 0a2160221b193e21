/**
 * The log's first index after a head deletion that did not free a whole
 * segment: a 12-byte file (u64 index, u32 crc32) replaced atomically (write a
 * temporary file, sync, rename, sync the directory), so it is either the old
 * value or the new one after a crash, never a mix.
 */
import { crc32 } from '@shoal/kit';
import type { FileSystem } from '@shoal/kit';
import { LogCorruptionError } from '../../errors.js';

export const HEAD_FILE = 'head';
export const HEAD_TEMP_FILE = 'head.tmp';
const HEAD_BYTES = 12;

function encodeHead(firstIndex: number): Uint8Array {
  const out = new Uint8Array(HEAD_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(firstIndex / 0x1_0000_0000));
  view.setUint32(4, firstIndex >>> 0);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  return out;
}

/** The stored first index, or 0 when no head deletion was ever recorded. */
export async function readHeadMarker(fs: FileSystem, dir: string): Promise<number> {
  const path = `${dir}/${HEAD_FILE}`;
  if ((await fs.stat(path)) === undefined) return 0;
  const bytes = await fs.readFile(path);
  if (bytes.length !== HEAD_BYTES) throw new LogCorruptionError(path, 0, `head marker is ${bytes.length} bytes, expected ${HEAD_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== crc32(bytes.subarray(0, 8))) throw new LogCorruptionError(path, 0, 'head marker checksum mismatch');
  const index = view.getUint32(0) * 0x1_0000_0000 + view.getUint32(4);
  if (!Number.isSafeInteger(index)) throw new LogCorruptionError(path, 0, 'head marker beyond 2^53');
  return index;
}

export async function writeHeadMarker(fs: FileSystem, dir: string, firstIndex: number): Promise<void> {
  const temp = `${dir}/${HEAD_TEMP_FILE}`;
  await fs.writeFile(temp, encodeHead(firstIndex), { sync: true });
  await fs.rename(temp, `${dir}/${HEAD_FILE}`);
  await fs.syncDir(dir);
}
