/**
 * FileSnapshotStore on a kit FileSystem, laid out as Go's is (spec §4.14):
 * <dir>/<term>-<index>-<n>/ holding state.bin and meta.json, written under a
 * ".tmp" name and renamed (then the directory synced) when the sink closes,
 * so a crash leaves either a whole snapshot or none. Keeps the newest
 * `retain`. The checksum is CRC-32 here (Go uses CRC-64): byte compatibility
 * of snapshot directories comes with the on-disk stores issue.
 */
import type { FileHandle, FileSystem } from '@shoal/kit';
import { crc32, crc32Update, fromUtf8, utf8 } from '@shoal/kit';
import type { Configuration } from '../configuration.js';
import { encodePeers } from '../configuration-codec.js';
import { SnapshotError } from '../errors.js';
import { ensureDir } from './fs-util.js';
import type { OpenedSnapshot, SnapshotMeta, SnapshotSink, SnapshotStore } from './snapshot.js';
import { bytesSource } from './snapshot.js';
import type { Transport } from '../transport/transport.js';

interface MetaJson {
  Version: number;
  ID: string;
  Index: number;
  Term: number;
  Peers: string;
  Configuration: { Servers: { Suffrage: number; ID: string; Address: string }[] };
  ConfigurationIndex: number;
  Size: number;
  CRC32: number;
}

function toJson(meta: SnapshotMeta, crc: number): MetaJson {
  return {
    Version: meta.version,
    ID: meta.id,
    Index: meta.index,
    Term: meta.term,
    Peers: Buffer.from(meta.peers).toString('base64'),
    Configuration: { Servers: meta.configuration.servers.map((s) => ({ Suffrage: s.suffrage, ID: s.id, Address: s.address })) },
    ConfigurationIndex: meta.configurationIndex,
    Size: meta.size,
    CRC32: crc,
  };
}

function fromJson(j: MetaJson): { meta: SnapshotMeta; crc: number } {
  return {
    meta: {
      version: j.Version,
      id: j.ID,
      index: j.Index,
      term: j.Term,
      peers: new Uint8Array(Buffer.from(j.Peers, 'base64')),
      configuration: { servers: j.Configuration.Servers.map((s) => ({ suffrage: s.Suffrage as 0 | 1 | 2, id: s.ID, address: s.Address })) },
      configurationIndex: j.ConfigurationIndex,
      size: j.Size,
    },
    crc: j.CRC32,
  };
}

function newestFirst(a: SnapshotMeta, b: SnapshotMeta): number {
  return b.term - a.term || b.index - a.index || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

export class FileSnapshotStore implements SnapshotStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #retain: number;
  #seq = 0;

  private constructor(fs: FileSystem, dir: string, retain: number) {
    this.#fs = fs;
    this.#dir = dir;
    this.#retain = retain;
  }

  /** Opens the store under `dir`, removing unfinished (".tmp") snapshots. */
  static async open(fs: FileSystem, dir: string, retain = 2): Promise<FileSnapshotStore> {
    if (!(retain >= 1)) throw new RangeError('must retain at least one snapshot');
    await ensureDir(fs, dir);
    const store = new FileSnapshotStore(fs, dir, retain);
    for (const name of await fs.list(dir)) {
      if (name.endsWith('.tmp')) await fs.rmdir(`${dir}/${name}`, { recursive: true });
      const n = Number(name.split('-')[2]?.replace('.tmp', ''));
      if (Number.isSafeInteger(n) && n > store.#seq) store.#seq = n;
    }
    return store;
  }

  async create(version: number, index: number, term: number, configuration: Configuration, configurationIndex: number, transport: Transport): Promise<SnapshotSink> {
    const fs = this.#fs;
    const id = `${term}-${index}-${++this.#seq}`;
    const tmp = `${this.#dir}/${id}.tmp`;
    await fs.mkdir(tmp);
    const file: FileHandle = await fs.open(`${tmp}/state.bin`, { create: true, truncate: true });
    const meta: SnapshotMeta = {
      version,
      id,
      index,
      term,
      peers: encodePeers(configuration, (sid, addr) => transport.encodePeer(sid, addr)),
      configuration: { servers: configuration.servers.map((s) => ({ ...s })) },
      configurationIndex,
      size: 0,
    };
    let crc = 0;
    let state: 'open' | 'closed' | 'cancelled' = 'open';
    return {
      id,
      write: async (chunk) => {
        if (state !== 'open') throw new SnapshotError(`snapshot sink ${id} is ${state}`);
        await file.append(chunk);
        crc = crc32Update(crc, chunk);
        meta.size += chunk.length;
      },
      close: async () => {
        if (state !== 'open') return;
        state = 'closed';
        await file.sync();
        await file.close();
        await fs.writeFile(`${tmp}/meta.json`, utf8(JSON.stringify(toJson(meta, crc))), { sync: true });
        await fs.syncDir(tmp);
        await fs.rename(tmp, `${this.#dir}/${id}`);
        await fs.syncDir(this.#dir);
        await this.#reap();
      },
      cancel: async () => {
        if (state !== 'open') return;
        state = 'cancelled';
        await file.close();
        await fs.rmdir(tmp, { recursive: true });
      },
    };
  }

  async #readMeta(id: string): Promise<{ meta: SnapshotMeta; crc: number } | undefined> {
    try {
      const bytes = await this.#fs.readFile(`${this.#dir}/${id}/meta.json`);
      return fromJson(JSON.parse(fromUtf8(bytes)) as MetaJson);
    } catch {
      return undefined;
    }
  }

  async list(): Promise<SnapshotMeta[]> {
    const out: SnapshotMeta[] = [];
    for (const name of await this.#fs.list(this.#dir)) {
      if (name.endsWith('.tmp')) continue;
      const m = await this.#readMeta(name);
      if (m !== undefined) out.push(m.meta);
    }
    return out.sort(newestFirst).slice(0, this.#retain);
  }

  async #reap(): Promise<void> {
    const all: SnapshotMeta[] = [];
    for (const name of await this.#fs.list(this.#dir)) {
      if (name.endsWith('.tmp')) continue;
      const m = await this.#readMeta(name);
      if (m !== undefined) all.push(m.meta);
    }
    all.sort(newestFirst);
    for (const old of all.slice(this.#retain)) await this.#fs.rmdir(`${this.#dir}/${old.id}`, { recursive: true });
    if (all.length > this.#retain) await this.#fs.syncDir(this.#dir);
  }

  async open(id: string): Promise<OpenedSnapshot> {
    const m = await this.#readMeta(id);
    if (m === undefined) throw new SnapshotError(`failed to open snapshot ${id}: no metadata`);
    const data = await this.#fs.readFile(`${this.#dir}/${id}/state.bin`);
    if (data.length !== m.meta.size) throw new SnapshotError(`snapshot ${id}: size ${data.length}, expected ${m.meta.size}`);
    if (crc32(data) !== m.crc) throw new SnapshotError(`snapshot ${id}: CRC mismatch`);
    return { meta: m.meta, source: bytesSource(data) };
  }
}
