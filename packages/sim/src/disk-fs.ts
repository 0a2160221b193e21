/**
 * The FileSystem view of a SimDisk (one per disk incarnation) and its file
 * handles. Path walking, POSIX error codes, capacity and fault checks live
 * here; durability bookkeeping lives in disk.ts.
 */
import { FsError, type FileHandle, type FileStat, type FileSystem, type OpenOptions } from '@shoal/kit';
import type { DirNode, DiskOp, FileNode, FsNode, SimDisk } from './disk.js';
import type { Latency } from './latency.js';

function splitPath(path: string): string[] {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') throw new FsError('EINVAL', path, 'path segments must be non-empty names');
  }
  return parts;
}

export class SimFileSystem implements FileSystem {
  readonly disk: SimDisk;
  readonly incarnation: number;

  constructor(disk: SimDisk) {
    this.disk = disk;
    this.incarnation = disk.incarnation;
  }

  async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    await this.#begin('open', path, this.disk.options.ioLatency);
    const { dir, name } = this.#parent(path);
    let node = dir.entries.get(name);
    if (node?.kind === 'dir') throw new FsError('EISDIR', path, 'is a directory');
    if (node !== undefined && options.create && options.exclusive) throw new FsError('EEXIST', path, 'file exists');
    if (node === undefined) {
      if (!options.create) throw new FsError('ENOENT', path, 'no such file');
      node = this.disk.newFile();
      this.#link(dir, name, node);
    }
    if (options.truncate && !options.readOnly) this.#truncate(node, 0, path);
    return new SimFileHandle(this, node, path, options.readOnly ?? false);
  }

  async readFile(path: string): Promise<Uint8Array> {
    await this.#begin('readFile', path, this.disk.options.ioLatency);
    const file = this.#file(path);
    return file.current.buffer.slice(0, file.current.length);
  }

  async writeFile(path: string, data: Uint8Array, options: { sync?: boolean } = {}): Promise<void> {
    await this.#begin('writeFile', path, this.disk.options.ioLatency);
    const { dir, name } = this.#parent(path);
    let node = dir.entries.get(name);
    if (node?.kind === 'dir') throw new FsError('EISDIR', path, 'is a directory');
    if (node === undefined) {
      node = this.disk.newFile();
      this.#link(dir, name, node);
    }
    this.#truncate(node, 0, path);
    this.writeAt(node, 0, data, path);
    if (options.sync) await this.syncFile(node, path);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#begin('rename', from, this.disk.options.ioLatency);
    const src = this.#parent(from);
    const dst = this.#parent(to);
    const node = src.dir.entries.get(src.name);
    if (node === undefined) throw new FsError('ENOENT', from, 'no such file or directory');
    const existing = dst.dir.entries.get(dst.name);
    if (existing === node) return;
    if (node.kind === 'dir' && this.#contains(node, dst.dir)) throw new FsError('EINVAL', to, 'cannot move a directory into itself');
    if (existing !== undefined) {
      if (existing.kind === 'dir' && node.kind === 'file') throw new FsError('EISDIR', to, 'is a directory');
      if (existing.kind === 'file' && node.kind === 'dir') throw new FsError('ENOTDIR', to, 'not a directory');
      if (existing.kind === 'dir' && existing.entries.size > 0) throw new FsError('ENOTEMPTY', to, 'directory not empty');
      if (existing.kind === 'file') this.disk.usedBytes -= existing.current.length;
    }
    this.#unlinkEntry(src.dir, src.name);
    this.#link(dst.dir, dst.name, node);
  }

  async unlink(path: string): Promise<void> {
    await this.#begin('unlink', path, this.disk.options.ioLatency);
    const { dir, name } = this.#parent(path);
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError('ENOENT', path, 'no such file');
    if (node.kind === 'dir') throw new FsError('EISDIR', path, 'is a directory (use rmdir)');
    this.disk.usedBytes -= node.current.length;
    this.#unlinkEntry(dir, name);
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.#begin('mkdir', path, this.disk.options.ioLatency);
    const parts = splitPath(path);
    if (parts.length === 0) {
      if (options.recursive) return;
      throw new FsError('EEXIST', path, 'the root exists');
    }
    let dir = this.disk.root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const last = i === parts.length - 1;
      const node = dir.entries.get(name);
      if (node === undefined) {
        if (!last && !options.recursive) throw new FsError('ENOENT', path, 'parent directory missing');
        const created = this.disk.newDir();
        this.#link(dir, name, created);
        dir = created;
      } else if (node.kind === 'file') {
        throw new FsError(last ? 'EEXIST' : 'ENOTDIR', path, last ? 'a file exists there' : 'a path segment is a file');
      } else {
        if (last && !options.recursive) throw new FsError('EEXIST', path, 'directory exists');
        dir = node;
      }
    }
  }

  async rmdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.#begin('rmdir', path, this.disk.options.ioLatency);
    if (splitPath(path).length === 0) throw new FsError('EINVAL', path, 'cannot remove the root');
    const { dir, name } = this.#parent(path);
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError('ENOENT', path, 'no such directory');
    if (node.kind === 'file') throw new FsError('ENOTDIR', path, 'not a directory');
    if (node.entries.size > 0 && !options.recursive) throw new FsError('ENOTEMPTY', path, 'directory not empty');
    this.disk.usedBytes -= this.#bytesUnder(node);
    this.#unlinkEntry(dir, name);
  }

  async list(path: string): Promise<string[]> {
    await this.#begin('list', path, this.disk.options.ioLatency);
    const node = this.#lookup(path);
    if (node === undefined) throw new FsError('ENOENT', path, 'no such directory');
    if (node.kind === 'file') throw new FsError('ENOTDIR', path, 'not a directory');
    return [...node.entries.keys()].sort();
  }

  async stat(path: string): Promise<FileStat | undefined> {
    await this.#begin('stat', path, this.disk.options.ioLatency);
    const node = this.#lookup(path, true);
    if (node === undefined) return undefined;
    return node.kind === 'dir' ? { size: 0, isDirectory: true } : { size: node.current.length, isDirectory: false };
  }

  async syncDir(path: string): Promise<void> {
    await this.#begin('syncDir', path, undefined);
    const node = this.#lookup(path);
    if (node === undefined) throw new FsError('ENOENT', path, 'no such directory');
    if (node.kind === 'file') throw new FsError('ENOTDIR', path, 'not a directory');
    await this.#delay(this.disk.options.syncLatency, path);
    this.disk.syncDirNode(node);
  }

  // ---- shared with handles ----

  /** Checks the view is current, consults the fault hook, and waits the operation's latency. */
  async begin(op: DiskOp, path: string, latency: Latency | undefined): Promise<void> {
    return this.#begin(op, path, latency);
  }

  writeAt(file: FileNode, position: number, data: Uint8Array, path: string): void {
    if (!Number.isSafeInteger(position) || position < 0) throw new FsError('EINVAL', path, `bad position ${position}`);
    if (data.length === 0) return; // as pwrite: writing nothing does not extend the file
    const growth = Math.max(0, position + data.length - file.current.length);
    this.#checkSpace(growth, path);
    const copy = data.slice();
    file.current.write(position, copy);
    this.disk.usedBytes += growth;
    this.disk.stats.bytesWritten += copy.length;
    this.disk.record(file, { kind: 'write', position, data: copy });
  }

  truncateTo(file: FileNode, size: number, path: string): void {
    this.#truncate(file, size, path);
  }

  async syncFile(file: FileNode, path: string): Promise<void> {
    const upTo = file.recorded;
    await this.#delay(this.disk.options.syncLatency, path);
    // A crash while this sync was under way (another handle's operation, even without latency) lost its writes: it must not succeed.
    this.checkCurrent(path);
    this.disk.syncFile(file, upTo);
  }

  checkCurrent(path: string): void {
    if (this.incarnation !== this.disk.incarnation) throw new FsError('EIO', path, `disk ${this.disk.name} crashed since this view was taken`);
  }

  // ---- internals ----

  async #begin(op: DiskOp, path: string, latency: Latency | undefined): Promise<void> {
    this.checkCurrent(path);
    const code = this.disk.options.fault?.(op, path);
    if (code !== undefined) throw new FsError(code, path, `injected fault on ${op}`);
    await this.#delay(latency, path);
  }

  async #delay(latency: Latency | undefined, path: string): Promise<void> {
    if (latency === undefined) return;
    const ms = latency.sample(this.disk.random);
    await new Promise<void>((resolve) => this.disk.sim.after(ms, resolve));
    this.checkCurrent(path);
  }

  #truncate(file: FileNode, size: number, path: string): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError('EINVAL', path, `bad size ${size}`);
    const growth = size - file.current.length;
    this.#checkSpace(growth, path);
    file.current.resize(size);
    this.disk.usedBytes += growth;
    this.disk.record(file, { kind: 'truncate', size });
  }

  #checkSpace(growth: number, path: string): void {
    const capacity = this.disk.options.capacityBytes ?? Infinity;
    if (growth > 0 && this.disk.usedBytes + growth > capacity) throw new FsError('ENOSPC', path, 'no space left on device');
  }

  #link(dir: DirNode, name: string, node: FsNode): void {
    dir.entries.set(name, node);
    if (this.disk.options.dirDurability === 'immediate') dir.durable.set(name, node);
  }

  #unlinkEntry(dir: DirNode, name: string): void {
    dir.entries.delete(name);
    if (this.disk.options.dirDurability === 'immediate') dir.durable.delete(name);
  }

  #parent(path: string): { dir: DirNode; name: string } {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new FsError('EINVAL', path, 'the root has no parent');
    let dir = this.disk.root;
    for (const part of parts) {
      const next = dir.entries.get(part);
      if (next === undefined) throw new FsError('ENOENT', path, 'parent directory missing');
      if (next.kind === 'file') throw new FsError('ENOTDIR', path, 'a path segment is a file');
      dir = next;
    }
    return { dir, name };
  }

  #lookup(path: string, quiet = false): FsNode | undefined {
    let node: FsNode = this.disk.root;
    for (const part of splitPath(path)) {
      if (node.kind === 'file') {
        if (quiet) return undefined;
        throw new FsError('ENOTDIR', path, 'a path segment is a file');
      }
      const next: FsNode | undefined = node.entries.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  #file(path: string): FileNode {
    const node = this.#lookup(path);
    if (node === undefined) throw new FsError('ENOENT', path, 'no such file');
    if (node.kind === 'dir') throw new FsError('EISDIR', path, 'is a directory');
    return node;
  }

  #contains(dir: DirNode, target: DirNode): boolean {
    if (dir === target) return true;
    for (const child of dir.entries.values()) if (child.kind === 'dir' && this.#contains(child, target)) return true;
    return false;
  }

  #bytesUnder(dir: DirNode): number {
    let total = 0;
    for (const child of dir.entries.values()) total += child.kind === 'file' ? child.current.length : this.#bytesUnder(child);
    return total;
  }
}

class SimFileHandle implements FileHandle {
  readonly #fs: SimFileSystem;
  readonly #file: FileNode;
  readonly #path: string;
  readonly #readOnly: boolean;
  #closed = false;

  constructor(fs: SimFileSystem, file: FileNode, path: string, readOnly: boolean) {
    this.#fs = fs;
    this.#file = file;
    this.#path = path;
    this.#readOnly = readOnly;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    await this.#begin('read');
    const current = this.#file.current;
    if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new FsError('EINVAL', this.#path, `bad read range ${position}+${length}`);
    }
    const start = Math.min(position, current.length);
    return current.buffer.slice(start, Math.min(current.length, position + length));
  }

  async write(position: number, data: Uint8Array): Promise<void> {
    await this.#begin('write', true);
    this.#fs.writeAt(this.#file, position, data, this.#path);
  }

  /**
   * One write of the chunks' concatenation, recorded as one operation: a
   * crash that tears it keeps a prefix that may end inside any chunk.
   */
  async writev(position: number, chunks: readonly Uint8Array[]): Promise<void> {
    await this.#begin('writev', true);
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    const joined = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    this.#fs.writeAt(this.#file, position, joined, this.#path);
  }

  async append(data: Uint8Array): Promise<number> {
    await this.#begin('append', true);
    const position = this.#file.current.length;
    this.#fs.writeAt(this.#file, position, data, this.#path);
    return position;
  }

  async size(): Promise<number> {
    this.#check();
    return this.#file.current.length;
  }

  async truncate(size: number): Promise<void> {
    await this.#begin('truncate', true);
    this.#fs.truncateTo(this.#file, size, this.#path);
  }

  /** An extension with zeros, recorded like a truncation that grows the file, counted against capacity. */
  async preallocate(size: number): Promise<void> {
    await this.#begin('preallocate', true);
    if (!Number.isSafeInteger(size) || size < 0) throw new FsError('EINVAL', this.#path, `bad size ${size}`);
    if (size > this.#file.current.length) this.#fs.truncateTo(this.#file, size, this.#path);
  }

  async sync(): Promise<void> {
    this.#check();
    await this.#fs.begin('sync', this.#path, undefined);
    await this.#fs.syncFile(this.#file, this.#path);
  }

  /** The simulated disk has no metadata apart from names and sizes: the same as sync. */
  async datasync(): Promise<void> {
    this.#check();
    await this.#fs.begin('datasync', this.#path, undefined);
    await this.#fs.syncFile(this.#file, this.#path);
  }

  /** A write and then a datasync, each with its own latency and faults, as a disk without O_DSYNC would do it. */
  async writeDurably(position: number, chunks: readonly Uint8Array[]): Promise<void> {
    await this.writev(position, chunks);
    await this.datasync();
  }

  async close(): Promise<void> {
    this.#check();
    this.#closed = true;
  }

  #check(writing = false): void {
    if (this.#closed) throw new FsError('EBADF', this.#path, 'file handle is closed');
    if (this.#fs.incarnation !== this.#fs.disk.incarnation) throw new FsError('EBADF', this.#path, 'file handle predates a disk crash');
    if (writing && this.#readOnly) throw new FsError('EBADF', this.#path, 'file handle is read-only');
  }

  async #begin(op: DiskOp, writing = false): Promise<void> {
    this.#check(writing);
    await this.#fs.begin(op, this.#path, this.#fs.disk.options.ioLatency);
    this.#check(writing);
  }
}
