/**
 * FileSnapshotStore on a kit FileSystem, in Go raft's layout (spec §4.14), so
 * a Go server's snapshot directory opens in shoal and the reverse:
 *
 *   <base>/snapshots/<term>-<index>-<unixMillis>/{state.bin,meta.json}
 *
 * A snapshot is written under "<name>.tmp" and renamed when its sink closes,
 * then the parent directory is synced, so a crash leaves a whole snapshot or
 * none. meta.json carries the CRC-64/ECMA of state.bin; open() checks it over
 * the whole file before handing out a reader. State is streamed both ways in
 * chunks, never held whole. Unlike Go, leftover ".tmp" directories are removed
 * at startup, a name already taken gets the next millisecond, and the
 * directory's own entries are synced before the rename.
 */
import type { Clock, FileSystem, Logger } from '@shoal/kit';
import { silentLogger } from '@shoal/kit';
import type { Configuration } from '../configuration.js';
import { cloneConfiguration } from '../configuration.js';
import { encodePeers } from '../configuration-codec.js';
import { SnapshotError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { SNAPSHOT_VERSION_MAX, SNAPSHOT_VERSION_MIN } from '../config.js';
import { ensureDir } from './fs-util.js';
import { META_FILE, PERMISSION_PROBE, SNAPSHOTS_DIR, STATE_FILE, TMP_SUFFIX } from './file-snapshot-layout.js';
import { FileSnapshotSink } from './file-snapshot-sink.js';
import { openVerifiedState } from './file-snapshot-source.js';
import type { OpenedSnapshot, SnapshotMeta, SnapshotSink, SnapshotStore } from './snapshot.js';
import type { FileSnapshotMeta } from './snapshot-meta-json.js';
import { decodeSnapshotMetaJson, MAX_META_JSON_BYTES } from './snapshot-meta-json.js';


export interface FileSnapshotStoreOptions {
  /** Its wall time names snapshots (Go: time.Now in milliseconds). */
  clock: Clock;
  /** How many snapshots list() shows and close() keeps; at least 1. Default 2. */
  retain?: number;
  logger?: Logger;
  /** Bytes per read and per buffered write of state.bin. Default 256 KiB. */
  chunkBytes?: number;
}

function newestFirst(a: SnapshotMeta, b: SnapshotMeta): number {
  return b.term - a.term || b.index - a.index || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FileSnapshotStore implements SnapshotStore {
  readonly #fs: FileSystem;
  /** <base>/snapshots */
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #retain: number;
  readonly #logger: Logger;
  readonly #chunkBytes: number;
  /** Names of .tmp directories our own open sinks are writing. */
  readonly #writing = new Set<string>();

  private constructor(fs: FileSystem, dir: string, options: FileSnapshotStoreOptions) {
    this.#fs = fs;
    this.#dir = dir;
    this.#clock = options.clock;
    this.#retain = options.retain ?? 2;
    this.#logger = options.logger ?? silentLogger;
    this.#chunkBytes = options.chunkBytes ?? 256 * 1024;
  }

  /**
   * Opens (creating) `<base>/snapshots`, checks it is writable as Go does, and
   * removes snapshots a crash left unfinished.
   */
  static async open(fs: FileSystem, base: string, options: FileSnapshotStoreOptions): Promise<FileSnapshotStore> {
    const retain = options.retain ?? 2;
    if (!Number.isInteger(retain) || retain < 1) throw new RangeError('must retain at least one snapshot');
    if (options.chunkBytes !== undefined && !(Number.isInteger(options.chunkBytes) && options.chunkBytes > 0)) throw new RangeError('chunkBytes must be a positive integer');
    const dir = base === '' || base === '/' ? `/${SNAPSHOTS_DIR}` : `${base.replace(/\/+$/, '')}/${SNAPSHOTS_DIR}`;
    const store = new FileSnapshotStore(fs, dir, options);
    try {
      await ensureDir(fs, dir);
      await store.#probePermissions();
    } catch (err) {
      throw new SnapshotError(`snapshot path ${dir} not usable: ${describe(err)}`, { cause: err });
    }
    await store.#removeUnfinished();
    return store;
  }

  /** The directory snapshots live in (`<base>/snapshots`). */
  get directory(): string {
    return this.#dir;
  }

  async #probePermissions(): Promise<void> {
    const probe = `${this.#dir}/${PERMISSION_PROBE}`;
    const handle = await this.#fs.open(probe, { create: true, truncate: true });
    await handle.close();
    await this.#fs.unlink(probe);
  }

  async #removeUnfinished(): Promise<void> {
    for (const name of await this.#fs.list(this.#dir)) {
      if (!name.endsWith(TMP_SUFFIX)) continue;
      this.#logger.warn({ name }, 'removing unfinished snapshot');
      await this.#fs.rmdir(`${this.#dir}/${name}`, { recursive: true });
    }
  }

  /** Go's name, `<term>-<index>-<unixMillis>`, moved on by a millisecond while it is taken. */
  async #freshName(term: number, index: number): Promise<string> {
    let ms = Math.floor(this.#clock.wallTime());
    for (;;) {
      const name = `${term}-${index}-${ms}`;
      const taken = this.#writing.has(`${name}${TMP_SUFFIX}`) || (await this.#fs.stat(`${this.#dir}/${name}`)) !== undefined || (await this.#fs.stat(`${this.#dir}/${name}${TMP_SUFFIX}`)) !== undefined;
      if (!taken) return name;
      ms++;
    }
  }

  async create(version: number, index: number, term: number, configuration: Configuration, configurationIndex: number, transport: Transport): Promise<SnapshotSink> {
    // Go's store writes only version 1 (it lists 0 too).
    if (version !== 1) throw new SnapshotError(`unsupported snapshot version ${version}`);
    const name = await this.#freshName(term, index);
    const tmpName = `${name}${TMP_SUFFIX}`;
    const meta: SnapshotMeta = {
      version,
      id: name,
      index,
      term,
      peers: encodePeers(configuration, (id, address) => transport.encodePeer(id, address)),
      configuration: cloneConfiguration(configuration),
      configurationIndex,
      size: 0,
    };
    this.#logger.info({ path: `${this.#dir}/${tmpName}` }, 'creating new snapshot');
    this.#writing.add(tmpName);
    try {
      return await FileSnapshotSink.begin({
        fs: this.#fs,
        parentDir: this.#dir,
        tmpName,
        meta,
        chunkBytes: this.#chunkBytes,
        logger: this.#logger,
        afterClose: () => this.reapSnapshots(),
        onFinish: () => this.#writing.delete(tmpName),
      });
    } catch (err) {
      this.#writing.delete(tmpName);
      throw err;
    }
  }

  /** Every readable snapshot, newest first; unreadable directories are logged and skipped, as Go does. */
  async #allSnapshots(): Promise<SnapshotMeta[]> {
    let names: string[];
    try {
      names = await this.#fs.list(this.#dir);
    } catch (err) {
      this.#logger.error({ err }, 'failed to scan snapshot directory');
      throw new SnapshotError(`failed to scan snapshot directory ${this.#dir}: ${describe(err)}`, { cause: err });
    }
    const found: SnapshotMeta[] = [];
    for (const name of names) {
      if (name.endsWith(TMP_SUFFIX)) {
        if (!this.#writing.has(name)) this.#logger.warn({ name }, 'found temporary snapshot');
        continue;
      }
      const stat = await this.#fs.stat(`${this.#dir}/${name}`);
      if (stat === undefined || !stat.isDirectory) continue;
      let read: FileSnapshotMeta;
      try {
        read = await this.#readMeta(name);
      } catch (err) {
        this.#logger.warn({ name, err }, 'failed to read metadata');
        continue;
      }
      if (read.meta.version < SNAPSHOT_VERSION_MIN || read.meta.version > SNAPSHOT_VERSION_MAX) {
        this.#logger.warn({ name, version: read.meta.version }, 'snapshot version not supported');
        continue;
      }
      found.push(read.meta);
    }
    return found.sort(newestFirst);
  }

  async list(): Promise<SnapshotMeta[]> {
    return (await this.#allSnapshots()).slice(0, this.#retain);
  }

  /** Removes snapshots beyond the newest `retain`; a closing sink calls it. */
  async reapSnapshots(): Promise<void> {
    const all = await this.#allSnapshots();
    const old = all.slice(this.#retain);
    for (const meta of old) {
      const path = `${this.#dir}/${meta.id}`;
      this.#logger.info({ path }, 'reaping snapshot');
      try {
        await this.#fs.rmdir(path, { recursive: true });
      } catch (err) {
        this.#logger.error({ path, err }, 'failed to reap snapshot');
        throw new SnapshotError(`failed to reap snapshot ${path}: ${describe(err)}`, { cause: err });
      }
    }
    if (old.length > 0) await this.#fs.syncDir(this.#dir);
  }

  /** meta.json of the snapshot directory `name`; a missing, oversized or malformed one is a SnapshotError. */
  async #readMeta(name: string): Promise<FileSnapshotMeta> {
    if (name.includes('/') || name === '' || name === '.' || name === '..') throw new SnapshotError(`invalid snapshot id ${JSON.stringify(name)}`);
    const path = `${this.#dir}/${name}/${META_FILE}`;
    const stat = await this.#fs.stat(path);
    if (stat === undefined || stat.isDirectory) throw new SnapshotError(`${path}: no such file`);
    if (stat.size > MAX_META_JSON_BYTES) throw new SnapshotError(`${path}: ${stat.size} bytes, more than ${MAX_META_JSON_BYTES}`);
    let bytes: Uint8Array;
    try {
      bytes = await this.#fs.readFile(path);
    } catch (err) {
      throw new SnapshotError(`${path}: ${describe(err)}`, { cause: err });
    }
    const read = decodeSnapshotMetaJson(bytes, path);
    // Go opens and reaps by the ID inside meta.json; one that names another directory would send those elsewhere.
    if (read.meta.id !== name) throw new SnapshotError(`${path}: ID ${JSON.stringify(read.meta.id)} does not match its directory`);
    return read;
  }

  async open(id: string): Promise<OpenedSnapshot> {
    let read: FileSnapshotMeta;
    try {
      read = await this.#readMeta(id);
    } catch (err) {
      this.#logger.error({ id, err }, 'failed to get meta data to open snapshot');
      throw err instanceof SnapshotError ? err : new SnapshotError(`failed to open snapshot ${id}: ${describe(err)}`, { cause: err });
    }
    const path = `${this.#dir}/${id}/${STATE_FILE}`;
    try {
      const source = await openVerifiedState(this.#fs, path, read, this.#chunkBytes);
      return { meta: read.meta, source };
    } catch (err) {
      this.#logger.error({ id, err }, 'failed to open snapshot state');
      throw err instanceof SnapshotError ? err : new SnapshotError(`failed to open snapshot ${id}: ${describe(err)}`, { cause: err });
    }
  }
}
