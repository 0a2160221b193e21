/**
 * InmemSnapshotStore keeps the newest snapshot in memory (Go's, except that a
 * snapshot becomes visible only when its sink is closed: Go lists it from
 * create(), so a half-written snapshot could be opened).
 */
import type { Configuration } from '../configuration.js';
import { cloneConfiguration } from '../configuration.js';
import { encodePeers } from '../configuration-codec.js';
import { SnapshotError } from '../errors.js';
import type { OpenedSnapshot, SnapshotMeta, SnapshotSink, SnapshotStore } from './snapshot.js';
import { bytesSource } from './snapshot.js';
import type { Transport } from '../transport/transport.js';

interface Stored {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export class InmemSnapshotStore implements SnapshotStore {
  #latest: Stored | undefined;
  #seq = 0;

  async create(
    version: number,
    index: number,
    term: number,
    configuration: Configuration,
    configurationIndex: number,
    transport: Transport,
  ): Promise<SnapshotSink> {
    const id = `${term}-${index}-${++this.#seq}`;
    const meta: SnapshotMeta = {
      version,
      id,
      index,
      term,
      peers: encodePeers(configuration, (sid, addr) => transport.encodePeer(sid, addr)),
      configuration: cloneConfiguration(configuration),
      configurationIndex,
      size: 0,
    };
    const chunks: Uint8Array[] = [];
    let state: 'open' | 'closed' | 'cancelled' = 'open';
    return {
      id,
      write: async (chunk) => {
        if (state !== 'open') throw new SnapshotError(`snapshot sink ${id} is ${state}`);
        chunks.push(chunk.slice());
        meta.size += chunk.length;
      },
      close: async () => {
        if (state !== 'open') return;
        state = 'closed';
        const data = new Uint8Array(meta.size);
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.length;
        }
        this.#latest = { meta, data };
      },
      cancel: async () => {
        if (state === 'open') state = 'cancelled';
      },
    };
  }

  async list(): Promise<SnapshotMeta[]> {
    return this.#latest === undefined ? [] : [{ ...this.#latest.meta, configuration: cloneConfiguration(this.#latest.meta.configuration) }];
  }

  async open(id: string): Promise<OpenedSnapshot> {
    const latest = this.#latest;
    if (latest === undefined || latest.meta.id !== id) throw new SnapshotError(`[ERR] snapshot: failed to open snapshot id: ${id}`);
    return { meta: { ...latest.meta, configuration: cloneConfiguration(latest.meta.configuration) }, source: bytesSource(latest.data) };
  }
}
