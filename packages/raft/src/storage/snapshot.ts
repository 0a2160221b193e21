/** Snapshot storage interfaces (Go's SnapshotStore, SnapshotSink, SnapshotMeta) and byte-stream helpers. */
import type { Configuration } from '../configuration.js';
import type { Transport } from '../transport/transport.js';

export interface SnapshotMeta {
  /** Snapshot metadata version: 1 (configuration + index). */
  version: number;
  /** Opaque to raft; used to open the snapshot. */
  id: string;
  index: number;
  term: number;
  /** Legacy peers encoding, kept for upgrades from very old Go servers. */
  peers: Uint8Array;
  configuration: Configuration;
  configurationIndex: number;
  /** Bytes of FSM state. */
  size: number;
}

/** Where a snapshot is written. The FSMSnapshot calls close() when done, cancel() on error. */
export interface SnapshotSink {
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  cancel(): Promise<void>;
}

/** Snapshot bytes to read, in chunks; close() releases the underlying resource early. */
export interface SnapshotSource extends AsyncIterable<Uint8Array> {
  close(): Promise<void>;
}

export interface OpenedSnapshot {
  meta: SnapshotMeta;
  source: SnapshotSource;
}

export interface SnapshotStore {
  /** Begins a snapshot of the state at index/term with the committed configuration. */
  create(
    version: number,
    index: number,
    term: number,
    configuration: Configuration,
    configurationIndex: number,
    transport: Transport,
  ): Promise<SnapshotSink>;
  /** Available snapshots, newest (highest term, then index) first. */
  list(): Promise<SnapshotMeta[]>;
  open(id: string): Promise<OpenedSnapshot>;
}

/** A source over bytes already in memory, in chunks of at most `chunkSize`. */
export function bytesSource(bytes: Uint8Array, chunkSize = 64 * 1024): SnapshotSource {
  let closed = false;
  return {
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < bytes.length && !closed; at += chunkSize) yield bytes.subarray(at, Math.min(bytes.length, at + chunkSize));
    },
    async close() {
      closed = true;
    },
  };
}

/** A source that yields the given chunks then ends. */
export function chunksSource(chunks: AsyncIterable<Uint8Array>, onClose: () => Promise<void> = async () => {}): SnapshotSource {
  return {
    [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
    close: onClose,
  };
}

/** Reads a whole stream into one buffer; throws when it exceeds `limit` bytes. */
export async function readAll(source: AsyncIterable<Uint8Array>, limit = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) throw new RangeError(`stream longer than ${limit} bytes`);
    parts.push(chunk);
  }
  if (parts.length === 1) return parts[0]!.slice();
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Copies a source into a sink; returns the number of bytes copied. */
export async function copyTo(sink: SnapshotSink, source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of source) {
    await sink.write(chunk);
    n += chunk.length;
  }
  return n;
}
