/**
 * MockFSM (Go's): remembers every command's data in order; snapshots are the
 * whole list, length-prefixed. Also counts configurations if asked to store them.
 *
 * Kept apart from sim's KvFsm on purpose: replication tests compare the exact
 * command lists of every server, which a key-value map forgets, while KvFsm's
 * snapshot bytes land on the simulated disk and so in every sim trace_hash;
 * folding one into the other would change either the tests' power or the traces.
 */
import { fromUtf8 } from '@shoal/kit';
import type { Configuration } from '../configuration.js';
import { bytesSnapshot, type ConfigurationStore, type FSMSnapshot } from '../fsm.js';
import type { Log } from '../log.js';
import type { SnapshotSource } from '../storage/snapshot.js';
import { readAll } from '../storage/snapshot.js';
import { DecodeError } from '../errors.js';

export function encodeChunks(items: readonly Uint8Array[]): Uint8Array {
  let size = 4;
  for (const i of items) size += 4 + i.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length);
  let at = 4;
  for (const i of items) {
    view.setUint32(at, i.length);
    out.set(i, at + 4);
    at += 4 + i.length;
  }
  return out;
}

export function decodeChunks(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length < 4) throw new DecodeError('mock snapshot: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0);
  const out: Uint8Array[] = [];
  let at = 4;
  for (let k = 0; k < n; k++) {
    if (at + 4 > bytes.length) throw new DecodeError('mock snapshot: truncated');
    const len = view.getUint32(at);
    if (at + 4 + len > bytes.length) throw new DecodeError('mock snapshot: truncated');
    out.push(bytes.slice(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

export class MockFSM implements ConfigurationStore {
  logs: Uint8Array[] = [];
  /** Indexes of applied commands, parallel to `logs`. */
  indexes: number[] = [];
  configurations: { index: number; configuration: Configuration }[] = [];
  restores = 0;

  apply(log: Log): unknown {
    this.logs.push(log.data);
    this.indexes.push(log.index);
    return this.logs.length;
  }

  snapshot(): FSMSnapshot {
    const copy = this.logs.slice();
    return bytesSnapshot(() => encodeChunks(copy));
  }

  async restore(source: SnapshotSource): Promise<void> {
    this.logs = decodeChunks(await readAll(source));
    this.indexes = this.logs.map(() => 0);
    this.restores++;
  }

  storeConfiguration(index: number, configuration: Configuration): void {
    this.configurations.push({ index, configuration });
  }

  /** The applied commands as strings (tests use UTF-8 payloads). */
  texts(): string[] {
    return this.logs.map((l) => fromUtf8(l));
  }
}
