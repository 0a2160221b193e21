// The whole store as JSON lines (one record per line, a header first), and
// back. parseSnapshot is total: it returns the contents or an AgentDecodeError.
import { AgentDecodeError } from '../errors.js';
import { MAX_KEY_LENGTH, MAX_VALUE_BYTES } from '../limits.js';
import { checkOf, nodeOf, serviceOf, sessionOf, type Decoded } from './codec.js';
import { base64, fail, isUint64String, object, optionalString, string, stringMap, strings, toBase64, uint, type Json } from './decode-fields.js';
import type { CatalogNode, CatalogService, HealthCheck, KVEntry, Session } from './records.js';
import type { StateStore } from './store.js';
import { TABLES, type TableName } from './tables.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

export interface StoreContents {
  readonly lastApplied: number;
  readonly indexes: ReadonlyMap<TableName, number>;
  readonly kv: KVEntry[];
  readonly tombstones: [string, number][];
  readonly sessions: Session[];
  readonly nodes: CatalogNode[];
  readonly services: CatalogService[];
  readonly checks: HealthCheck[];
}

/** Lines of the snapshot, in a deterministic order (sorted keys and names). */
export function snapshotLines(store: StateStore): string[] {
  const lines: string[] = [];
  const add = (t: string, record: object): void => {
    lines.push(JSON.stringify({ t, ...record }, (_k, v: unknown) => (v instanceof Uint8Array ? toBase64(v) : v)));
  };
  for (const e of store.kv.list('')) add('kv', e);
  for (const [key, index] of [...store.kv.tombstones()].sort(([a], [b]) => (a < b ? -1 : 1))) add('tombstone', { key, index });
  for (const s of [...store.sessions.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) add('session', s);
  const nodeNames = [...store.catalog.nodes.keys()].sort();
  for (const n of nodeNames) add('node', store.catalog.nodes.get(n)!);
  for (const n of nodeNames) for (const s of store.catalog.servicesOf(n).values()) add('service', s);
  for (const n of nodeNames) for (const c of store.catalog.checksOf(n).values()) add('check', c);
  // The record count lets restore tell a whole snapshot from a truncated one.
  const header = { format: SNAPSHOT_FORMAT_VERSION, lastApplied: store.lastApplied, indexes: Object.fromEntries(store.indexes.entries()), records: lines.length };
  return [JSON.stringify(header), ...lines];
}

export function parseSnapshot(text: string): Decoded<StoreContents> {
  try {
    const lines = text.split('\n').filter((l) => l !== '');
    const header = object(parseLine(lines[0] ?? fail('snapshot: empty'), 0), 'header');
    if (header.format !== SNAPSHOT_FORMAT_VERSION) fail(`snapshot: unknown format ${JSON.stringify(header.format)}`);
    const indexesJson = object(header.indexes, 'indexes');
    const contents: StoreContents = {
      lastApplied: uint(header, 'lastApplied'),
      indexes: new Map(TABLES.map((t) => [t, uint(indexesJson, t)])),
      kv: [],
      tombstones: [],
      sessions: [],
      nodes: [],
      services: [],
      checks: [],
    };
    if (uint(header, 'records') !== lines.length - 1) fail(`snapshot: ${lines.length - 1} records, the header says ${String(header.records)}`);
    lines.slice(1).forEach((line, i) => addRecord(contents, object(parseLine(line, i + 1), `line ${i + 2}`)));
    return { ok: true, value: contents };
  } catch (error) {
    if (error instanceof AgentDecodeError) return { ok: false, error };
    return { ok: false, error: new AgentDecodeError(`snapshot: ${error instanceof Error ? error.message : String(error)}`) };
  }
}

function parseLine(line: string, at: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return fail(`snapshot line ${at + 1}: not JSON`);
  }
}

const indexes = (o: Json): { createIndex: number; modifyIndex: number } => {
  const createIndex = uint(o, 'createIndex');
  const modifyIndex = uint(o, 'modifyIndex');
  if (modifyIndex < createIndex) fail('modifyIndex below createIndex');
  return { createIndex, modifyIndex };
};

function addRecord(c: StoreContents, o: Json): void {
  switch (o.t) {
    case 'kv': {
      const flags = string(o, 'flags', 20);
      if (!isUint64String(flags)) fail('flags: not a uint64');
      const session = optionalString(o, 'session');
      c.kv.push({ key: string(o, 'key', MAX_KEY_LENGTH), value: base64(o.value, 'value', MAX_VALUE_BYTES), flags, ...indexes(o), lockIndex: uint(o, 'lockIndex'), ...(session === undefined ? {} : { session }) });
      return;
    }
    case 'tombstone':
      c.tombstones.push([string(o, 'key', MAX_KEY_LENGTH), uint(o, 'index')]);
      return;
    // The specs' decoders check the fields a command carries; a record adds its node and indexes.
    case 'session':
      c.sessions.push({ ...sessionOf(o), ...indexes(o) });
      return;
    case 'node':
      c.nodes.push({ ...nodeOf(o), meta: stringMap(o.meta, 'meta'), taggedAddresses: stringMap(o.taggedAddresses, 'taggedAddresses'), ...indexes(o) });
      return;
    case 'service':
      c.services.push({ node: string(o, 'node'), ...serviceOf(o), ...indexes(o) });
      return;
    case 'check':
      c.checks.push({ node: string(o, 'node'), ...checkOf(o), serviceName: string(o, 'serviceName'), serviceTags: strings(o.serviceTags, 'serviceTags'), ...indexes(o) });
      return;
    default:
      fail(`snapshot: unknown record type ${JSON.stringify(o.t)?.slice(0, 40)}`);
  }
}

