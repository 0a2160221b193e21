/**
 * A simulated disk with fsync semantics. Each file keeps two images: what
 * readers see now (the page cache) and what survives a crash (durable), plus
 * the list of writes since the last sync. Each directory likewise keeps its
 * visible and its durable entries.
 *
 * On crash every file falls back to its durable image, every directory to its
 * durable entries, and then, with probability `tornWriteProbability`, a random
 * prefix (a multiple of `tornGranularityBytes`) of the last unsynced write
 * survives: a torn write. With `crashKeeps: 'random-prefix'` a random number
 * of the earliest unsynced writes also survive whole (the page cache flushed
 * part of its queue), and the tear hits the first lost one instead.
 *
 * Use the disk through `fileSystem()`, a FileSystem view that dies with the
 * disk's current incarnation: code of a crashed process gets EIO, not access
 * to the restarted node's files.
 */
import type { Random } from '@shoal/kit';
import type { FsErrorCode } from '@shoal/kit';
import { SimFileSystem } from './disk-fs.js';
import type { Latency } from './latency.js';
import type { Simulation } from './simulation.js';
import { TraceKind } from './trace.js';

/** Operations the fault hook sees. */
export type DiskOp =
  | 'open' | 'read' | 'write' | 'writev' | 'append' | 'truncate' | 'preallocate' | 'sync' | 'datasync' | 'close'
  | 'readFile' | 'writeFile' | 'rename' | 'unlink' | 'mkdir' | 'rmdir' | 'list' | 'stat' | 'syncDir';

export interface SimDiskOptions {
  /** Label for the trace and messages. */
  name?: string;
  /** Delay of sync and syncDir. Default none. Durability is reached when the call completes. */
  syncLatency?: Latency;
  /** Delay of every other operation. Default none. */
  ioLatency?: Latency;
  /** Total bytes of file data the disk holds; writes beyond fail with ENOSPC. Default unlimited. */
  capacityBytes?: number;
  /** Probability that a crash keeps a prefix of the last unsynced write. Default 0.5. */
  tornWriteProbability?: number;
  /** A torn write keeps a multiple of this many bytes. Default 1 (the harshest). */
  tornGranularityBytes?: number;
  /** Which unsynced writes a crash keeps whole: 'none' (default) or a 'random-prefix' of them. */
  crashKeeps?: 'none' | 'random-prefix';
  /** 'explicit' (default): names are durable only after syncDir. 'immediate': every name change is durable at once. */
  dirDurability?: 'explicit' | 'immediate';
  /** Called before each operation; returning an error code makes the operation fail with it. */
  fault?: (op: DiskOp, path: string) => FsErrorCode | undefined;
  /** Source of crash choices. Default: a fork of the simulation's root generator. */
  random?: Random;
}

export type PendingOp = { kind: 'write'; position: number; data: Uint8Array } | { kind: 'truncate'; size: number };

/** Bytes with a length, grown by doubling. */
export class Bytes {
  buffer = new Uint8Array(0);
  length = 0;

  write(position: number, data: Uint8Array): void {
    const end = position + data.length;
    this.resize(Math.max(end, this.length));
    this.buffer.set(data, position);
  }

  resize(size: number): void {
    if (size > this.buffer.length) {
      const grown = new Uint8Array(Math.max(size, this.buffer.length * 2, 64));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    } else if (size < this.length) {
      this.buffer.fill(0, size, this.length); // later growth must read zeros
    }
    this.length = size;
  }

  apply(op: PendingOp): void {
    if (op.kind === 'write') this.write(op.position, op.data);
    else this.resize(op.size);
  }

  copy(): Bytes {
    const out = new Bytes();
    out.buffer = this.buffer.slice(0, Math.max(this.length, 64));
    out.length = this.length;
    return out;
  }
}

export class FileNode {
  readonly kind = 'file';
  readonly id: number;
  current = new Bytes();
  durable = new Bytes();
  /** Writes and truncations not yet synced, oldest first. */
  pending: PendingOp[] = [];
  /** Ops ever recorded / ever made durable: lets a slow sync make exactly the ops before it durable. */
  recorded = 0;
  synced = 0;
  constructor(id: number) {
    this.id = id;
  }
}

export class DirNode {
  readonly kind = 'dir';
  readonly id: number;
  entries = new Map<string, FsNode>();
  durable = new Map<string, FsNode>();
  constructor(id: number) {
    this.id = id;
  }
}

export type FsNode = FileNode | DirNode;

export interface DiskStats {
  bytesWritten: number;
  syncs: number;
  dirSyncs: number;
  crashes: number;
  tornWrites: number;
}

export class SimDisk {
  readonly sim: Simulation;
  readonly name: string;
  readonly options: Readonly<SimDiskOptions>;
  readonly random: Random;
  readonly root: DirNode;
  readonly stats: DiskStats = { bytesWritten: 0, syncs: 0, dirSyncs: 0, crashes: 0, tornWrites: 0 };
  /** Bytes of file data currently visible (for the capacity check). */
  usedBytes = 0;
  #incarnation = 0;
  #nextId = 1;
  #view: SimFileSystem | undefined;

  constructor(sim: Simulation, options: SimDiskOptions = {}) {
    this.sim = sim;
    this.options = options;
    this.name = options.name ?? 'disk';
    this.random = options.random ?? sim.fork();
    this.root = new DirNode(0);
  }

  /** Increments at each crash; views and handles of earlier incarnations fail with EIO/EBADF. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** The FileSystem of the disk's current incarnation. */
  fileSystem(): SimFileSystem {
    if (this.#view === undefined || this.#view.incarnation !== this.#incarnation) this.#view = new SimFileSystem(this);
    return this.#view;
  }

  newFile(): FileNode {
    return new FileNode(this.#nextId++);
  }

  newDir(): DirNode {
    return new DirNode(this.#nextId++);
  }

  /** Records a write or truncation of `file` (already applied to its current image). */
  record(file: FileNode, op: PendingOp): void {
    file.pending.push(op);
    file.recorded++;
  }

  /** Makes the ops recorded on `file` before op number `upTo` durable (default: all of them). */
  syncFile(file: FileNode, upTo = file.recorded): void {
    const count = Math.min(upTo - file.synced, file.pending.length);
    const ops = file.pending;
    for (let i = 0; i < count; i++) file.durable.apply(ops[i]!);
    if (count > 0) {
      file.pending = count === ops.length ? [] : ops.slice(count);
      file.synced += count;
    }
    this.stats.syncs++;
    const trace = this.sim.trace;
    trace.begin(TraceKind.diskSynced);
    trace.float(this.sim.now());
    trace.word(file.id);
    trace.word(file.durable.length);
  }

  /** Makes the current entries of `dir` durable. */
  syncDirNode(dir: DirNode): void {
    dir.durable = new Map(dir.entries);
    this.stats.dirSyncs++;
  }

  /** Loses what was not synced (see the file comment). Open handles and views become invalid. */
  crash(): void {
    this.#incarnation++;
    this.stats.crashes++;
    const trace = this.sim.trace;
    trace.begin(TraceKind.diskCrashed);
    trace.float(this.sim.now());
    trace.string(this.name);
    const seen = new Set<FsNode>();
    const visit = (dir: DirNode): void => {
      dir.entries = new Map(dir.durable);
      for (const child of dir.entries.values()) {
        if (seen.has(child)) continue;
        seen.add(child);
        if (child.kind === 'dir') visit(child);
        else this.#crashFile(child);
      }
    };
    visit(this.root);
    this.usedBytes = 0;
    for (const node of seen) if (node.kind === 'file') this.usedBytes += node.current.length;
  }

  #crashFile(file: FileNode): void {
    const ops = file.pending;
    file.pending = [];
    file.synced = file.recorded;
    if (ops.length === 0) return;
    const random = this.random;
    let kept = 0;
    if (this.options.crashKeeps === 'random-prefix') kept = random.int(ops.length + 1);
    for (let i = 0; i < kept; i++) file.durable.apply(ops[i]!);
    const tornIndex = this.options.crashKeeps === 'random-prefix' ? kept : ops.length - 1;
    const torn = ops[tornIndex];
    if (torn !== undefined && torn.kind === 'write' && random.chance(this.options.tornWriteProbability ?? 0.5)) {
      const granularity = Math.max(1, this.options.tornGranularityBytes ?? 1);
      const units = Math.ceil(torn.data.length / granularity);
      const keep = Math.min(torn.data.length, granularity * random.int(units));
      if (keep > 0) {
        file.durable.write(torn.position, torn.data.subarray(0, keep));
        this.stats.tornWrites++;
      }
    }
    file.current = file.durable.copy();
  }
}
