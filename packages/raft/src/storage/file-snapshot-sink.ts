/**
 * The sink of a FileSnapshotStore snapshot: state.bin is written in buffered
 * chunks as they come, with a running CRC-64; close() syncs it, rewrites
 * meta.json with the size and CRC, and renames "<name>.tmp" into place. Any
 * failure on the way removes the temporary directory and rejects close():
 * a snapshot that is not durable is never reported as written.
 */
import type { Crc64Halves, FileHandle, FileSystem, Logger } from '@shoal/kit';
import { crc64Bytes, crc64UpdateHalves } from '@shoal/kit';
import { SnapshotError } from '../errors.js';
import type { SnapshotMeta, SnapshotSink } from './snapshot.js';
import { encodeSnapshotMetaJson } from './snapshot-meta-json.js';
import { META_FILE, STATE_FILE, TMP_SUFFIX } from './file-snapshot-layout.js';


export interface SinkArgs {
  fs: FileSystem;
  /** `<base>/snapshots` */
  parentDir: string;
  tmpName: string;
  meta: SnapshotMeta;
  chunkBytes: number;
  logger: Logger;
  /** Runs once the snapshot is durable in place (the store reaps older ones). */
  afterClose: () => Promise<void>;
  /** Runs when the sink is done, whichever way. */
  onFinish: () => void;
}

type SinkState = 'open' | 'closing' | 'closed' | 'cancelled' | 'failed';

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FileSnapshotSink implements SnapshotSink {
  readonly #args: SinkArgs;
  readonly #tmpDir: string;
  readonly #file: FileHandle;
  readonly #meta: SnapshotMeta;
  #crc: Crc64Halves = { hi: 0, lo: 0 };
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #state: SinkState = 'open';
  /** The first write error; close() reports it instead of writing a snapshot with a hole. */
  #writeError: unknown;

  private constructor(args: SinkArgs, file: FileHandle) {
    this.#args = args;
    this.#tmpDir = `${args.parentDir}/${args.tmpName}`;
    this.#file = file;
    this.#meta = args.meta;
  }

  /** Makes the temporary directory with a first meta.json (no CRC yet, as Go writes it) and an empty state.bin. */
  static async begin(args: SinkArgs): Promise<FileSnapshotSink> {
    const { fs, logger } = args;
    const tmpDir = `${args.parentDir}/${args.tmpName}`;
    try {
      await fs.mkdir(tmpDir);
      await fs.writeFile(`${tmpDir}/${META_FILE}`, encodeSnapshotMetaJson({ meta: args.meta, crc: new Uint8Array() }), { sync: true });
      const file = await fs.open(`${tmpDir}/${STATE_FILE}`, { create: true, truncate: true });
      return new FileSnapshotSink(args, file);
    } catch (err) {
      logger.error({ path: tmpDir, err }, 'failed to create snapshot');
      await fs.rmdir(tmpDir, { recursive: true }).catch(() => {});
      throw new SnapshotError(`failed to create snapshot ${tmpDir}: ${describe(err)}`, { cause: err });
    }
  }

  get id(): string {
    return this.#meta.id;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw new SnapshotError(`snapshot sink ${this.id} is ${this.#state}`);
    if (this.#writeError !== undefined) throw new SnapshotError(`snapshot sink ${this.id} failed earlier: ${describe(this.#writeError)}`, { cause: this.#writeError });
    if (chunk.length === 0) return;
    // Copied: the caller may reuse its buffer once write() resolves.
    this.#pending.push(chunk.slice());
    this.#pendingBytes += chunk.length;
    this.#crc = crc64UpdateHalves(this.#crc, chunk);
    this.#meta.size += chunk.length;
    if (this.#pendingBytes >= this.#args.chunkBytes) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const parts = this.#pending;
    let data: Uint8Array;
    if (parts.length === 1) data = parts[0]!;
    else {
      data = new Uint8Array(this.#pendingBytes);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      await this.#file.append(data);
    } catch (err) {
      this.#writeError ??= err;
      this.#args.logger.error({ path: this.#tmpDir, err }, 'failed to write snapshot state');
      throw new SnapshotError(`failed to write snapshot ${this.id}: ${describe(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') {
      if (this.#state === 'failed' || this.#state === 'closing') throw new SnapshotError(`snapshot sink ${this.id} ${this.#state === 'closing' ? 'is already closing' : 'failed to close earlier'}`);
      return;
    }
    const { fs, parentDir, logger } = this.#args;
    const finalDir = `${parentDir}/${this.#args.tmpName.slice(0, -TMP_SUFFIX.length)}`;
    this.#state = 'closing';
    let renamed = false;
    try {
      if (this.#writeError !== undefined) throw this.#writeError;
      await this.#flush();
      await this.#file.sync();
      const size = await this.#file.size();
      await this.#file.close();
      if (size !== this.#meta.size) throw new SnapshotError(`state.bin holds ${size} bytes, ${this.#meta.size} were written`);
      await fs.writeFile(`${this.#tmpDir}/${META_FILE}`, encodeSnapshotMetaJson({ meta: this.#meta, crc: crc64Bytes(this.#crc) }), { sync: true });
      // Go skips this; without it a crash after the rename could leave the directory without its files.
      await fs.syncDir(this.#tmpDir);
      await fs.rename(this.#tmpDir, finalDir);
      renamed = true;
      await fs.syncDir(parentDir);
    } catch (err) {
      this.#state = 'failed';
      this.#args.onFinish();
      logger.error({ path: this.#tmpDir, err }, 'failed to finalize snapshot');
      await this.#file.close().catch(() => {});
      // Not durable, so not reported: remove it even if the rename happened, or list() would offer it.
      const leftover = renamed ? finalDir : this.#tmpDir;
      await fs.rmdir(leftover, { recursive: true }).catch((delErr: unknown) => logger.error({ path: leftover, err: delErr }, 'failed to delete unfinished snapshot directory'));
      throw err instanceof SnapshotError ? err : new SnapshotError(`failed to finalize snapshot ${this.id}: ${describe(err)}`, { cause: err });
    }
    this.#state = 'closed';
    this.#args.onFinish();
    await this.#args.afterClose();
  }

  async cancel(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'cancelled';
    this.#args.onFinish();
    this.#pending = [];
    await this.#file.close().catch(() => {});
    await this.#args.fs.rmdir(this.#tmpDir, { recursive: true });
  }
}
