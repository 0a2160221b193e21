/**
 * Storage as protocol code sees it (DESIGN.md principle 1): raft's log store,
 * stable store and snapshot store are written against this interface; the
 * simulator's disk implements it with crash semantics, and a real one wraps
 * node:fs/promises.
 *
 * Paths are '/'-separated and relative to the file system's root (a leading
 * '/' is allowed and means the same); '.', '..' and empty segments are invalid.
 *
 * Durability follows POSIX: data written to a file survives a crash only after
 * `sync()` on a handle of that file (or `writeFile(..., { sync: true })`); a
 * created, renamed or deleted name survives only after `syncDir()` of its
 * directory. Implementations may be more durable than that, never less.
 */
import { ShoalError } from './errors.js';

/** The POSIX names node:fs also uses, so a real implementation passes its codes through. */
export type FsErrorCode = 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EIO' | 'EBADF' | 'EINVAL';

export class FsError extends ShoalError {
  declare readonly code: FsErrorCode;
  readonly path: string;
  constructor(code: FsErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message} (${path})`, options);
    this.path = path;
  }
}

export interface OpenOptions {
  /** Create the file when missing. Default false (ENOENT). */
  create?: boolean;
  /** With `create`: fail with EEXIST when the file already exists. */
  exclusive?: boolean;
  /** Empty the file on open. */
  truncate?: boolean;
  /** Writes through this handle fail with EBADF. Default false. */
  readOnly?: boolean;
}

/** An open file. Positions and sizes are in bytes. */
export interface FileHandle {
  /** Up to `length` bytes from `position` (fewer at the end of the file, empty past it). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Writes all of `data` at `position`; writing past the end extends the file with zeros. */
  write(position: number, data: Uint8Array): Promise<void>;
  /**
   * pwritev: writes `chunks` back to back from `position`, as one write of
   * their concatenation without building it. Like any write it may be torn
   * by a crash before a sync, anywhere, chunk boundaries included. The
   * chunks must not change until the returned promise settles.
   */
  writev(position: number, chunks: readonly Uint8Array[]): Promise<void>;
  /** Writes `data` at the end of the file; resolves to the position it was written at. */
  append(data: Uint8Array): Promise<number>;
  size(): Promise<number>;
  /** Cuts (or extends with zeros) the file to `size` bytes. */
  truncate(size: number): Promise<void>;
  /** fsync: everything written to this file so far, through any handle, survives a crash. */
  sync(): Promise<void>;
  /**
   * fdatasync: like sync for the file's data and size, but may skip metadata a
   * read does not need (timestamps), so it is often one disk flush cheaper.
   */
  datasync(): Promise<void>;
  /**
   * writev, resolving once those bytes, and the file size needed to read
   * them, survive a crash: a write and a datasync in one call, which the
   * real disk does as one O_DSYNC write (one trip to a worker thread
   * instead of two). Unlike datasync, it does not make other writes to the
   * file durable. The chunks must not change until the promise settles.
   */
  writeDurably(position: number, chunks: readonly Uint8Array[]): Promise<void>;
  /**
   * posix_fallocate: the file becomes at least `size` bytes (the new bytes
   * read as zeros) and its blocks are reserved, so later writes inside it
   * cannot fail with ENOSPC. A size at or below the current one changes nothing.
   * Like any write, the new size survives a crash only after sync.
   */
  preallocate(size: number): Promise<void>;
  /** Releases the handle (does not sync). Later calls fail with EBADF. */
  close(): Promise<void>;
}

export interface FileStat {
  size: number;
  isDirectory: boolean;
}

export interface FileSystem {
  open(path: string, options?: OpenOptions): Promise<FileHandle>;
  /** The whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or replaces the file with `data`; with `sync`, fsyncs it (its directory entry still needs syncDir). */
  writeFile(path: string, data: Uint8Array, options?: { sync?: boolean }): Promise<void>;
  /** Atomically moves `from` to `to`, replacing a file (or an empty directory) at `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
  /** Creates a directory; with `recursive`, also its missing parents and no error if it exists. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes an empty directory; with `recursive`, removes its contents too. */
  rmdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Names of a directory's entries, sorted by code unit. */
  list(path: string): Promise<string[]>;
  /** What is at `path`, or undefined when nothing is. */
  stat(path: string): Promise<FileStat | undefined>;
  /** fsync of a directory: makes creations, renames and removals of its entries durable. */
  syncDir(path: string): Promise<void>;
}
