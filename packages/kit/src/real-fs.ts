/**
 * kit's FileSystem on the real disk, over node:fs/promises (DESIGN.md
 * principle 1: one of the few files allowed to touch real I/O).
 *
 * Every path is resolved under the root directory given to the constructor;
 * the path rules of FileSystem ('/'-separated, no '.', '..' or empty segments)
 * keep it from naming anything outside. Symbolic links already inside the root
 * are followed: the root's contents are trusted, the paths callers pass are not.
 */
import { constants, writevSync, type Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import * as nodePath from 'node:path';
import { FsError, type FileHandle, type FileStat, type FileSystem, type FsErrorCode, type OpenOptions } from './fs.js';

const PASSED_THROUGH: ReadonlySet<string> = new Set<FsErrorCode>([
  'ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'ENOSPC', 'EIO', 'EBADF', 'EINVAL',
]);

/** node's error as an FsError: POSIX codes the interface names pass through, a full quota is ENOSPC, anything else is EIO. */
function toFsError(error: unknown, path: string): FsError {
  if (error instanceof FsError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && PASSED_THROUGH.has(code)) return new FsError(code as FsErrorCode, path, message, { cause: error });
  if (code === 'EDQUOT') return new FsError('ENOSPC', path, message, { cause: error });
  return new FsError('EIO', path, message, { cause: error });
}

/** Runs `operation`, turning whatever it throws into an FsError about `path`. */
async function mapped<T>(path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toFsError(error, path);
  }
}

/** The segments of a FileSystem path; the root is the empty list. */
function segments(path: string): string[] {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('\0')) {
      throw new FsError('EINVAL', path, 'path segments must be non-empty names');
    }
  }
  return parts;
}

function checkOffset(value: number, what: string, path: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new FsError('EINVAL', path, `bad ${what} ${value}`);
}

export interface NodeFileSystemOptions {
  /**
   * writeDurably of at most this many bytes makes its O_DSYNC write on the
   * main thread, blocking it for the disk's flush, instead of on a libuv
   * worker: that skips the hand-off to the worker and the wake-up of the
   * main thread after it, two thread wake-ups that on a loaded machine can
   * each cost more than a small write's flush. The write waits for the end
   * of the event loop's turn (setImmediate), so what the caller does next
   * in this turn (sending the same entries to other servers) goes first.
   * While it blocks, nothing else runs: no timer, no socket read. 0 (the
   * default) never does.
   */
  inlineDurableWriteBytes?: number;
}

/** A FileSystem over a directory of the real disk. */
export class NodeFileSystem implements FileSystem {
  /** The absolute directory every path is resolved under. */
  readonly rootDir: string;
  /** NodeFileSystemOptions.inlineDurableWriteBytes; a change applies to later writes of open handles too. */
  inlineDurableWriteBytes: number;
  /** writeDurably calls of this file system's handles made on the main thread so far. */
  inlineDurableWrites = 0;

  constructor(rootDir: string, options: NodeFileSystemOptions = {}) {
    this.rootDir = nodePath.resolve(rootDir);
    this.inlineDurableWriteBytes = options.inlineDurableWriteBytes ?? 0;
  }

  async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    const real = this.#resolve(path);
    const readOnly = options.readOnly ?? false;
    let flags = readOnly ? constants.O_RDONLY : constants.O_RDWR;
    if (options.create) flags |= constants.O_CREAT | (options.exclusive ? constants.O_EXCL : 0);
    if (options.truncate && !readOnly) flags |= constants.O_TRUNC;
    return mapped(path, async () => {
      const handle = await nodeFs.open(real, flags, 0o644);
      // A directory opens read-only without complaint; FileSystem says EISDIR at once.
      if (readOnly && (await handle.stat()).isDirectory()) {
        await handle.close();
        throw new FsError('EISDIR', path, 'is a directory');
      }
      return new NodeFileHandle(handle, path, real, readOnly, this);
    });
  }

  async readFile(path: string): Promise<Uint8Array> {
    const real = this.#resolve(path);
    const data = await mapped(path, () => nodeFs.readFile(real));
    return plainBytes(data);
  }

  async writeFile(path: string, data: Uint8Array, options: { sync?: boolean } = {}): Promise<void> {
    const real = this.#resolve(path);
    await mapped(path, async () => {
      const handle = await nodeFs.open(real, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
      try {
        await writeAll(handle, data, 0);
        if (options.sync) await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.#resolveEntry(from);
    const target = this.#resolveEntry(to);
    await mapped(from, () => nodeFs.rename(source, target));
  }

  async unlink(path: string): Promise<void> {
    const real = this.#resolveEntry(path);
    await mapped(path, () => nodeFs.unlink(real));
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const real = this.#resolve(path);
    await mapped(path, async () => {
      await nodeFs.mkdir(real, { recursive: options.recursive ?? false });
    });
  }

  async rmdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const real = this.#resolveEntry(path);
    await mapped(path, async () => {
      if (!options.recursive) return nodeFs.rmdir(real);
      // rm would remove a file too; rmdir of a file is ENOTDIR however it is asked.
      if (!(await nodeFs.lstat(real)).isDirectory()) throw new FsError('ENOTDIR', path, 'not a directory');
      await nodeFs.rm(real, { recursive: true });
    });
  }

  async list(path: string): Promise<string[]> {
    const real = this.#resolve(path);
    const names = await mapped(path, () => nodeFs.readdir(real));
    return names.sort();
  }

  async stat(path: string): Promise<FileStat | undefined> {
    const real = this.#resolve(path);
    let stats: Stats;
    try {
      stats = await nodeFs.stat(real);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw toFsError(error, path);
    }
    return stats.isDirectory() ? { size: 0, isDirectory: true } : { size: stats.size, isDirectory: false };
  }

  async syncDir(path: string): Promise<void> {
    const real = this.#resolve(path);
    await mapped(path, async () => {
      const handle = await nodeFs.open(real, constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  #resolve(path: string): string {
    return nodePath.join(this.rootDir, ...segments(path));
  }

  /** Like #resolve, for operations on a directory entry, which the root is not. */
  #resolveEntry(path: string): string {
    if (segments(path).length === 0) throw new FsError('EINVAL', path, 'the root is not an entry of a directory');
    return this.#resolve(path);
  }
}

/** What a handle reads of its file system's inline-write setting, and counts there. */
interface InlineWritePolicy {
  readonly inlineDurableWriteBytes: number;
  inlineDurableWrites: number;
}

/** Zeros written by preallocate, a chunk at a time. */
const ZERO_CHUNK_BYTES = 1 << 20;
let zeroChunk: Uint8Array | undefined;

class NodeFileHandle implements FileHandle {
  readonly #handle: nodeFs.FileHandle;
  readonly #path: string;
  /** The file's absolute path, to open it again for writeDurably. */
  readonly #real: string;
  readonly #readOnly: boolean;
  #closed = false;
  /** A second descriptor of the same file opened with O_DSYNC (writeDurably), once asked for; undefined inside when it could not be had. */
  #dsync: Promise<nodeFs.FileHandle | undefined> | undefined;
  /** #dsync's descriptor once it is open, so a write need not wait a turn for it (and an inline write can use its fd). */
  #dsyncOpen: nodeFs.FileHandle | undefined;
  /** Size-changing operations queued or running (see #mutations). */
  #pendingMutations = 0;
  readonly #owner: InlineWritePolicy;
  /**
   * The tail of the chain of size-changing operations on this handle: append
   * reads the end and writes there, so nothing else that moves the end may
   * run in between.
   */
  #mutations: Promise<unknown> = Promise.resolve();

  constructor(handle: nodeFs.FileHandle, path: string, real: string, readOnly: boolean, owner: InlineWritePolicy) {
    this.#handle = handle;
    this.#path = path;
    this.#real = real;
    this.#readOnly = readOnly;
    this.#owner = owner;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#check();
    checkOffset(position, 'position', this.#path);
    checkOffset(length, 'length', this.#path);
    return mapped(this.#path, async () => {
      // Bounded by the file's size, so a garbage length costs no memory.
      const size = (await this.#handle.stat()).size;
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await this.#handle.read(buffer, filled, buffer.length - filled, position + filled);
        if (bytesRead === 0) break; // shrunk meanwhile
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.slice(0, filled);
    });
  }

  async write(position: number, data: Uint8Array): Promise<void> {
    this.#check(true);
    checkOffset(position, 'position', this.#path);
    await this.#mutate(() => writeAll(this.#handle, data, position));
  }

  async writev(position: number, chunks: readonly Uint8Array[]): Promise<void> {
    this.#check(true);
    checkOffset(position, 'position', this.#path);
    await this.#mutate(() => writevAll(this.#handle, chunks, position));
  }

  async append(data: Uint8Array): Promise<number> {
    this.#check(true);
    return this.#mutate(async () => {
      // fstat rather than a remembered end: another handle may have grown the file.
      const end = (await this.#handle.stat()).size;
      await writeAll(this.#handle, data, end);
      return end;
    });
  }

  async size(): Promise<number> {
    this.#check();
    return mapped(this.#path, async () => (await this.#handle.stat()).size);
  }

  async truncate(size: number): Promise<void> {
    this.#check(true);
    checkOffset(size, 'size', this.#path);
    await this.#mutate(() => this.#handle.truncate(size));
  }

  /**
   * posix_fallocate's contract. Node.js has no fallocate, so the new range is
   * written with zeros, a large chunk at a time, from the current end: that
   * reserves the blocks (on file systems that overwrite in place) at the cost
   * of writing them once, so callers preallocate ahead of need.
   */
  async preallocate(size: number): Promise<void> {
    this.#check(true);
    checkOffset(size, 'size', this.#path);
    await this.#mutate(async () => {
      let end = (await this.#handle.stat()).size;
      zeroChunk ??= new Uint8Array(ZERO_CHUNK_BYTES);
      while (end < size) {
        const chunk = zeroChunk.subarray(0, Math.min(ZERO_CHUNK_BYTES, size - end));
        await writeAll(this.#handle, chunk, end);
        end += chunk.length;
      }
    });
  }

  /**
   * Through an O_DSYNC descriptor of the same file: the write returns once
   * its data is durable, so the worker thread that does the write also does
   * the flush. Where no such descriptor can be had (the file was renamed or
   * replaced since it was opened, and there is no /proc to reopen it by),
   * a write and a datasync.
   */
  async writeDurably(position: number, chunks: readonly Uint8Array[]): Promise<void> {
    this.#check(true);
    checkOffset(position, 'position', this.#path);
    const inlineLimit = this.#owner.inlineDurableWriteBytes;
    const inline = inlineLimit > 0 && byteLength(chunks) <= inlineLimit;
    const open = this.#dsyncOpen;
    if (open !== undefined && !inline && this.#pendingMutations === 0) {
      // Nothing queued before it: submitted now rather than some turns later, so
      // the caller's work after this call overlaps the write instead of preceding it.
      await this.#mutateNow(() => writevAll(open, chunks, position));
      return;
    }
    await this.#mutate(async () => {
      const ready = this.#dsyncOpen;
      if (inline && ready !== undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        writevAllNow(ready.fd, chunks, position);
        this.#owner.inlineDurableWrites++;
        return;
      }
      const dsync = await (this.#dsync ??= this.#openDsync());
      if (dsync !== undefined) return writevAll(dsync, chunks, position);
      await writevAll(this.#handle, chunks, position);
      await this.#handle.datasync();
    });
  }

  /** The file opened again for writing with O_DSYNC, or undefined when what opens is not this file. */
  async #openDsync(): Promise<nodeFs.FileHandle | undefined> {
    this.#dsyncOpen = await this.#findDsync();
    return this.#dsyncOpen;
  }

  async #findDsync(): Promise<nodeFs.FileHandle | undefined> {
    const flags = constants.O_WRONLY | constants.O_DSYNC;
    const mine = await this.#handle.stat();
    // /proc/self/fd names this very descriptor's file, even after a rename; the path is the fallback.
    for (const path of [`/proc/self/fd/${this.#handle.fd}`, this.#real]) {
      let other: nodeFs.FileHandle;
      try {
        other = await nodeFs.open(path, flags);
      } catch {
        continue;
      }
      const stat = await other.stat().catch(() => undefined);
      if (stat !== undefined && stat.dev === mine.dev && stat.ino === mine.ino) return other;
      await other.close().catch(() => undefined);
    }
    return undefined;
  }

  async sync(): Promise<void> {
    this.#check();
    await mapped(this.#path, () => this.#handle.sync());
  }

  async datasync(): Promise<void> {
    this.#check();
    await mapped(this.#path, () => this.#handle.datasync());
  }

  /** Calls made before close still complete; node's close itself waits for reads in flight. */
  async close(): Promise<void> {
    this.#check();
    this.#closed = true;
    await this.#mutations;
    const dsync = await this.#dsync?.catch(() => undefined);
    this.#dsyncOpen = undefined;
    await dsync?.close().catch(() => undefined);
    await mapped(this.#path, () => this.#handle.close());
  }

  #check(writing = false): void {
    if (this.#closed) throw new FsError('EBADF', this.#path, 'file handle is closed');
    if (writing && this.#readOnly) throw new FsError('EBADF', this.#path, 'file handle is read-only');
  }

  /** Runs `operation` after every size-changing operation queued before it. */
  #mutate<T>(operation: () => Promise<T>): Promise<T> {
    return this.#track(this.#mutations.then(() => mapped(this.#path, operation)));
  }

  /** Starts `operation` at once; only when no other size-changing operation is queued or running. */
  #mutateNow<T>(operation: () => Promise<T>): Promise<T> {
    let started: Promise<T>;
    try {
      started = operation();
    } catch (error) {
      started = Promise.reject(error);
    }
    return this.#track(started.catch((error: unknown) => Promise.reject(toFsError(error, this.#path))));
  }

  #track<T>(result: Promise<T>): Promise<T> {
    this.#pendingMutations++;
    const settled = result.then(
      () => void this.#pendingMutations--,
      () => void this.#pendingMutations--,
    );
    this.#mutations = settled;
    return result;
  }
}

/** Writes all of `data` at `position`, looping over short writes. */
async function writeAll(handle: nodeFs.FileHandle, data: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

/**
 * Writes `chunks` back to back from `position`. libuv already repeats a
 * pwritev that is short or has more chunks than the kernel's IOV_MAX; the
 * loop here only covers a write that still comes back short (a full disk
 * fails the next round with ENOSPC).
 */
async function writevAll(handle: nodeFs.FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  let rest = nonEmpty(chunks);
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    rest = afterWrite(rest, bytesWritten);
  }
}

/** writevAll on the calling thread (a blocking pwritev per round). */
function writevAllNow(fd: number, chunks: readonly Uint8Array[], position: number): void {
  let rest = nonEmpty(chunks);
  let at = position;
  while (rest.length > 0) {
    const bytesWritten = writevSync(fd, rest, at);
    at += bytesWritten;
    rest = afterWrite(rest, bytesWritten);
  }
}

/** The chunks without empty ones; a copy only when there is one to leave out. */
function nonEmpty(chunks: readonly Uint8Array[]): readonly Uint8Array[] {
  return chunks.some((chunk) => chunk.length === 0) ? chunks.filter((chunk) => chunk.length > 0) : chunks;
}

/** What is left of `chunks` after a write took its first `bytesWritten` bytes (a new array: the caller's is not changed). */
function afterWrite(chunks: readonly Uint8Array[], bytesWritten: number): readonly Uint8Array[] {
  // A regular file takes no bytes of a write only with an error; never spin on it.
  if (bytesWritten === 0) throw new Error('pwritev wrote nothing');
  let done = bytesWritten;
  let first = 0;
  while (first < chunks.length && done >= chunks[first]!.length) done -= chunks[first++]!.length;
  const left = chunks.slice(first);
  if (done > 0) left[0] = left[0]!.subarray(done);
  return left;
}

function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

/** A Uint8Array of exactly the bytes of `data` (callers compare with plain Uint8Arrays; a Buffer may share a pool). */
function plainBytes(data: Buffer): Uint8Array {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return new Uint8Array(data.buffer, 0, data.byteLength);
  return new Uint8Array(data);
}
