/**
 * FileStore: LogStore + StableStore in one append-only file on a kit
 * FileSystem (the simulated disk in tests, a real one later). Every change is
 * one CRC-protected record, appended and fsynced before the call resolves, so
 * what raft was told is durable survives a crash; a torn tail (a partial
 * record) is cut off at the next open. When dead records outweigh live data
 * the file is rewritten (write a temporary file, sync, rename, sync the
 * directory). Entries are also kept in memory for reads.
 *
 * Record: u32 length | u32 crc32(payload) | payload; payload starts with a kind byte.
 * Not raft-boltdb's format: Go-compatible disk stores come with a later issue.
 */
import type { FileHandle, FileSystem } from '@shoal/kit';
import { crc32, fromUtf8, utf8 } from '@shoal/kit';
import { DecodeError, KeyNotFoundError, LogNotFoundError } from '../errors.js';
import { ensureDir, parentDir } from './fs-util.js';
import type { Log, LogType } from '../log.js';
import { SerialQueue } from '../node/serial-queue.js';
import type { LogStore, StableStore } from './stores.js';

const KIND_ENTRIES = 1;
const KIND_DELETE = 2;
const KIND_SET = 3;
const KIND_SET_UINT64 = 4;
const HEADER = 8;
/** Rewrite the file when it is this much larger than the live data (and past MIN_REWRITE). */
const REWRITE_FACTOR = 4;
const MIN_REWRITE_BYTES = 256 * 1024;

class Out {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  len = 0;

  #need(n: number): void {
    if (this.len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.#need(1);
    this.#buf[this.len++] = v;
  }

  u32(v: number): void {
    this.#need(4);
    this.#view.setUint32(this.len, v);
    this.len += 4;
  }

  u64(v: number): void {
    this.u32(Math.floor(v / 0x1_0000_0000));
    this.u32(v >>> 0);
  }

  f64(v: number): void {
    this.#need(8);
    this.#view.setFloat64(this.len, v);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.#need(b.length);
    this.#buf.set(b, this.len);
    this.len += b.length;
  }

  /** The payload framed as a record. */
  record(): Uint8Array {
    const payload = this.#buf.subarray(0, this.len);
    const out = new Uint8Array(HEADER + payload.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, payload.length);
    view.setUint32(4, crc32(payload));
    out.set(payload, HEADER);
    return out;
  }
}

class In {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #need(n: number): void {
    if (this.pos + n > this.#buf.length) throw new DecodeError('file store: record truncated');
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.pos++]!;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    const v = hi * 0x1_0000_0000 + lo;
    if (!Number.isSafeInteger(v)) throw new DecodeError('file store: integer beyond 2^53');
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.#need(n);
    const out = this.#buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  get done(): boolean {
    return this.pos >= this.#buf.length;
  }
}

function entriesPayload(logs: readonly Log[]): Out {
  const o = new Out();
  o.u8(KIND_ENTRIES);
  o.u32(logs.length);
  for (const l of logs) {
    o.u64(l.index);
    o.u64(l.term);
    o.u8(l.type);
    o.bytes(l.data);
    o.bytes(l.extensions);
    o.f64(l.appendedAt);
  }
  return o;
}

export class FileStore implements LogStore, StableStore {
  readonly #fs: FileSystem;
  readonly #path: string;
  readonly #queue = new SerialQueue();
  #handle: FileHandle | undefined;
  #fileBytes = 0;
  #liveBytes = 0;
  readonly #logs = new Map<number, Log>();
  #low = 0;
  #high = 0;
  readonly #kv = new Map<string, Uint8Array>();
  readonly #kvInt = new Map<string, number>();
  /** Bytes cut from a torn tail at open (for tests and reports). */
  truncatedBytes = 0;

  private constructor(fs: FileSystem, path: string) {
    this.#fs = fs;
    this.#path = path;
  }

  /** Opens (or creates) the store at `path`, replaying its records. */
  static async open(fs: FileSystem, path: string): Promise<FileStore> {
    const store = new FileStore(fs, path);
    await store.#load();
    return store;
  }

  #dir(): string {
    return parentDir(this.#path);
  }

  async #load(): Promise<void> {
    const fs = this.#fs;
    const dir = this.#dir();
    await ensureDir(fs, dir);
    const tmp = `${this.#path}.tmp`;
    if ((await fs.stat(tmp)) !== undefined) await fs.unlink(tmp);
    const exists = (await fs.stat(this.#path)) !== undefined;
    let good = 0;
    if (exists) {
      const data = await fs.readFile(this.#path);
      good = this.#replay(data);
      this.truncatedBytes = data.length - good;
    }
    this.#handle = await fs.open(this.#path, { create: true });
    if (this.truncatedBytes > 0) {
      await this.#handle.truncate(good);
      await this.#handle.sync();
    }
    if (!exists) {
      await this.#handle.sync();
      await fs.syncDir(dir);
    }
    this.#fileBytes = good;
  }

  /** Applies every intact record; returns where the intact prefix ends. */
  #replay(data: Uint8Array): number {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let pos = 0;
    while (pos + HEADER <= data.length) {
      const len = view.getUint32(pos);
      const crc = view.getUint32(pos + 4);
      if (pos + HEADER + len > data.length) break;
      const payload = data.subarray(pos + HEADER, pos + HEADER + len);
      if (crc32(payload) !== crc) break;
      try {
        this.#apply(new In(payload));
      } catch (err) {
        if (err instanceof DecodeError) break;
        throw err;
      }
      pos += HEADER + len;
    }
    return pos;
  }

  #apply(r: In): void {
    const kind = r.u8();
    switch (kind) {
      case KIND_ENTRIES: {
        const n = r.u32();
        const logs: Log[] = [];
        for (let i = 0; i < n; i++) {
          logs.push({ index: r.u64(), term: r.u64(), type: r.u8() as LogType, data: r.bytes(), extensions: r.bytes(), appendedAt: r.f64() });
        }
        this.#storeInMemory(logs);
        break;
      }
      case KIND_DELETE:
        this.#deleteInMemory(r.u64(), r.u64());
        break;
      case KIND_SET: {
        const key = fromUtf8(r.bytes());
        this.#kv.set(key, r.bytes());
        break;
      }
      case KIND_SET_UINT64: {
        const key = fromUtf8(r.bytes());
        this.#kvInt.set(key, r.u64());
        break;
      }
      default:
        throw new DecodeError(`file store: unknown record kind ${kind}`);
    }
    if (!r.done) throw new DecodeError('file store: trailing bytes in record');
  }

  #storeInMemory(logs: readonly Log[]): void {
    for (const l of logs) {
      const prev = this.#logs.get(l.index);
      if (prev !== undefined) this.#liveBytes -= 48 + prev.data.length + prev.extensions.length;
      this.#logs.set(l.index, { ...l });
      this.#liveBytes += 48 + l.data.length + l.extensions.length;
      if (this.#low === 0 || l.index < this.#low) this.#low = l.index;
      if (l.index > this.#high) this.#high = l.index;
    }
  }

  #deleteInMemory(min: number, max: number): void {
    const remove = (i: number): void => {
      const prev = this.#logs.get(i);
      if (prev === undefined) return;
      this.#liveBytes -= 48 + prev.data.length + prev.extensions.length;
      this.#logs.delete(i);
    };
    if (max - min < this.#logs.size) for (let i = min; i <= max; i++) remove(i);
    else for (const i of [...this.#logs.keys()]) if (i >= min && i <= max) remove(i);
    if (min <= this.#low) this.#low = max + 1;
    if (max >= this.#high) this.#high = min - 1;
    if (this.#low > this.#high || this.#logs.size === 0) {
      this.#low = 0;
      this.#high = 0;
    }
  }

  /** Appends and syncs one record, then applies it in memory. */
  #write(payload: Out, applyInMemory: () => void): Promise<void> {
    return this.#queue.run(async () => {
      const handle = this.#handle;
      if (handle === undefined) throw new Error('file store is closed');
      const rec = payload.record();
      await handle.append(rec);
      await handle.sync();
      this.#fileBytes += rec.length;
      applyInMemory();
      if (this.#fileBytes > MIN_REWRITE_BYTES && this.#fileBytes > REWRITE_FACTOR * (this.#liveBytes + 1024)) await this.#rewrite();
    });
  }

  /** Replaces the file by one holding only live state. */
  async #rewrite(): Promise<void> {
    const fs = this.#fs;
    const tmp = `${this.#path}.tmp`;
    const out = await fs.open(tmp, { create: true, truncate: true });
    let size = 0;
    const put = async (o: Out): Promise<void> => {
      const rec = o.record();
      await out.append(rec);
      size += rec.length;
    };
    for (const [key, value] of this.#kv) {
      const o = new Out();
      o.u8(KIND_SET);
      o.bytes(utf8(key));
      o.bytes(value);
      await put(o);
    }
    for (const [key, value] of this.#kvInt) {
      const o = new Out();
      o.u8(KIND_SET_UINT64);
      o.bytes(utf8(key));
      o.u64(value);
      await put(o);
    }
    const all = [...this.#logs.values()].sort((a, b) => a.index - b.index);
    for (let i = 0; i < all.length; i += 256) await put(entriesPayload(all.slice(i, i + 256)));
    await out.sync();
    await out.close();
    await this.#handle?.close();
    await fs.rename(tmp, this.#path);
    await fs.syncDir(this.#dir());
    this.#handle = await fs.open(this.#path);
    this.#fileBytes = size;
  }

  // ---- LogStore ----

  async firstIndex(): Promise<number> {
    return this.#low;
  }

  async lastIndex(): Promise<number> {
    return this.#high;
  }

  async getLog(index: number): Promise<Log> {
    const l = this.#logs.get(index);
    if (l === undefined) throw new LogNotFoundError();
    return { ...l };
  }

  storeLog(log: Log): Promise<void> {
    return this.storeLogs([log]);
  }

  storeLogs(logs: readonly Log[]): Promise<void> {
    const copies = logs.map((l) => ({ ...l }));
    return this.#write(entriesPayload(copies), () => this.#storeInMemory(copies));
  }

  deleteRange(min: number, max: number): Promise<void> {
    const o = new Out();
    o.u8(KIND_DELETE);
    o.u64(min);
    o.u64(max);
    return this.#write(o, () => this.#deleteInMemory(min, max));
  }

  // ---- StableStore ----

  set(key: string, value: Uint8Array): Promise<void> {
    const o = new Out();
    o.u8(KIND_SET);
    o.bytes(utf8(key));
    o.bytes(value);
    const copy = value.slice();
    return this.#write(o, () => this.#kv.set(key, copy));
  }

  async get(key: string): Promise<Uint8Array> {
    const v = this.#kv.get(key);
    if (v === undefined) throw new KeyNotFoundError();
    return v.slice();
  }

  setUint64(key: string, value: number): Promise<void> {
    const o = new Out();
    o.u8(KIND_SET_UINT64);
    o.bytes(utf8(key));
    o.u64(value);
    return this.#write(o, () => this.#kvInt.set(key, value));
  }

  async getUint64(key: string): Promise<number> {
    const v = this.#kvInt.get(key);
    if (v === undefined) throw new KeyNotFoundError();
    return v;
  }

  // ---- inspection ----

  /** Entries in index order, synchronously (invariant checks). */
  entries(): Log[] {
    return [...this.#logs.values()].sort((a, b) => a.index - b.index);
  }

  /** Current size of the file in bytes. */
  get fileBytes(): number {
    return this.#fileBytes;
  }

  async close(): Promise<void> {
    await this.#queue.drain();
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
