/**
 * FileStableStore: raft's term and vote in a file of their own. Every change
 * rewrites the whole (small) file: a temporary file is written and synced,
 * renamed over the old one, and the directory synced, so after a crash the
 * file is the last acknowledged version or a later one, never a mix.
 *
 * File: magic u32 | count u32 | (key u16 length + UTF-8, value u32 length + bytes)* | crc32 u32.
 * Uint64 values are 8 bytes big-endian, as raft-boltdb stores them.
 */
import { crc32, fromUtf8, utf8 } from '@shoal/kit';
import type { FileSystem } from '@shoal/kit';
import { DecodeError, LogCorruptionError } from '../../errors.js';
import { ensureDir } from '../fs-util.js';
import type { StableStore } from '../stores.js';

export const STABLE_FILE = 'stable';
const STABLE_TEMP_FILE = 'stable.tmp';
const MAGIC = 0x5348_5354; // "SHST"

export function encodeStable(values: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const keys = [...values.keys()].sort();
  const encodedKeys = keys.map((k) => utf8(k));
  let size = 12;
  for (let i = 0; i < keys.length; i++) size += 2 + encodedKeys[i]!.length + 4 + values.get(keys[i]!)!.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, keys.length);
  let p = 8;
  for (let i = 0; i < keys.length; i++) {
    const key = encodedKeys[i]!;
    const value = values.get(keys[i]!)!;
    view.setUint16(p, key.length);
    out.set(key, p + 2);
    p += 2 + key.length;
    view.setUint32(p, value.length);
    out.set(value, p + 4);
    p += 4 + value.length;
  }
  view.setUint32(p, crc32(out.subarray(0, p)));
  return out;
}

/** The key/values in `bytes`, or why they are not a stable file (with the offset of the problem). */
export function decodeStable(bytes: Uint8Array): Map<string, Uint8Array> | { offset: number; reason: string } {
  if (bytes.length < 12) return { offset: 0, reason: `file is ${bytes.length} bytes, too short` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== MAGIC) return { offset: 0, reason: 'not a shoal stable store file (bad magic)' };
  const end = bytes.length - 4;
  if (view.getUint32(end) !== crc32(bytes.subarray(0, end))) return { offset: end, reason: 'checksum mismatch' };
  const count = view.getUint32(4);
  const values = new Map<string, Uint8Array>();
  let p = 8;
  for (let i = 0; i < count; i++) {
    if (p + 2 > end) return { offset: p, reason: 'truncated key' };
    const keyLength = view.getUint16(p);
    if (p + 2 + keyLength + 4 > end) return { offset: p, reason: 'truncated key' };
    const key = fromUtf8(bytes.subarray(p + 2, p + 2 + keyLength));
    p += 2 + keyLength;
    const valueLength = view.getUint32(p);
    if (p + 4 + valueLength > end) return { offset: p, reason: 'truncated value' };
    values.set(key, bytes.slice(p + 4, p + 4 + valueLength));
    p += 4 + valueLength;
  }
  if (p !== end) return { offset: p, reason: 'trailing bytes' };
  return values;
}

export function encodeUint64(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`stable store: ${value} is not a uint64 below 2^53`);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 0x1_0000_0000));
  view.setUint32(4, value >>> 0);
  return out;
}

export function decodeUint64(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new DecodeError(`stable store: uint64 value is ${bytes.length} bytes, expected 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const value = view.getUint32(0) * 0x1_0000_0000 + view.getUint32(4);
  if (!Number.isSafeInteger(value)) throw new DecodeError('stable store: uint64 beyond 2^53');
  return value;
}

/** Reads the stable file of `dir` (empty when there is none); a damaged file is a LogCorruptionError. */
export async function readStableFile(fs: FileSystem, dir: string): Promise<Map<string, Uint8Array>> {
  const path = `${dir}/${STABLE_FILE}`;
  if ((await fs.stat(path)) === undefined) return new Map();
  const decoded = decodeStable(await fs.readFile(path));
  if (!(decoded instanceof Map)) throw new LogCorruptionError(path, decoded.offset, decoded.reason);
  return decoded;
}

export class FileStableStore implements StableStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  #values: Map<string, Uint8Array>;
  #tail: Promise<void> = Promise.resolve();

  private constructor(fs: FileSystem, dir: string, values: Map<string, Uint8Array>) {
    this.#fs = fs;
    this.#dir = dir;
    this.#values = values;
  }

  static async open(fs: FileSystem, dir: string): Promise<FileStableStore> {
    await ensureDir(fs, dir);
    const temp = `${dir}/${STABLE_TEMP_FILE}`;
    if ((await fs.stat(temp)) !== undefined) await fs.unlink(temp);
    return new FileStableStore(fs, dir, await readStableFile(fs, dir));
  }

  set(key: string, value: Uint8Array): Promise<void> {
    const copy = value.slice();
    const run = this.#tail.then(() => this.#persist(key, copy));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async get(key: string): Promise<Uint8Array> {
    return this.#values.get(key)?.slice() ?? new Uint8Array(0);
  }

  setUint64(key: string, value: number): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = encodeUint64(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.set(key, bytes);
  }

  async getUint64(key: string): Promise<number> {
    const value = this.#values.get(key);
    return value === undefined ? 0 : decodeUint64(value);
  }

  /** Every key and value (for dumps and checks). */
  entries(): Map<string, Uint8Array> {
    return new Map([...this.#values].map(([k, v]) => [k, v.slice()]));
  }

  async close(): Promise<void> {
    await this.#tail;
  }

  async #persist(key: string, value: Uint8Array): Promise<void> {
    const next = new Map(this.#values);
    next.set(key, value);
    const temp = `${this.#dir}/${STABLE_TEMP_FILE}`;
    await this.#fs.writeFile(temp, encodeStable(next), { sync: true });
    await this.#fs.rename(temp, `${this.#dir}/${STABLE_FILE}`);
    await this.#fs.syncDir(this.#dir);
    this.#values = next;
  }
}
