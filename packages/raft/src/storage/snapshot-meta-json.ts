/**
 * meta.json of a Go FileSnapshotStore snapshot (spec §4.14): Go's
 * encoding/json of `fileSnapshotMeta` (SnapshotMeta's fields, then CRC), one
 * object and a newline, as json.Encoder writes it. []byte fields are base64,
 * a nil slice is null. The encoder reproduces Go's bytes (field order, HTML
 * escaping) so a directory written by shoal is the one Go would write; the
 * decoder is total: anything that is not such an object is a SnapshotError.
 */
import { fromUtf8, utf8 } from '@shoal/kit';
import type { Server } from '../configuration.js';
import { SnapshotError } from '../errors.js';
import type { SnapshotMeta } from './snapshot.js';

/** The metadata and the CRC-64 bytes (empty before the sink closes: Go writes null then). */
export interface FileSnapshotMeta {
  meta: SnapshotMeta;
  crc: Uint8Array;
}

/** meta.json is a few hundred bytes per server; refuse to parse anything absurd. */
export const MAX_META_JSON_BYTES = 16 * 1024 * 1024;

const HEX = '0123456789abcdef';

/** A JSON string as Go 1.19's encoding/json writes it (escapeHTML on, \u escapes for other controls). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'; // a lone surrogate has no UTF-8; Go writes U+FFFD for invalid text
    else out += s[i]!;
  }
  return `${out}"`;
}

function goBase64(bytes: Uint8Array): string {
  return bytes.length === 0 ? 'null' : `"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}"`;
}

function encodeServers(servers: readonly Server[]): string {
  if (servers.length === 0) return 'null';
  return `[${servers.map((s) => `{"Suffrage":${s.suffrage},"ID":${goJsonString(s.id)},"Address":${goJsonString(s.address)}}`).join(',')}]`;
}

/** meta.json's bytes, newline included. */
export function encodeSnapshotMetaJson({ meta, crc }: FileSnapshotMeta): Uint8Array {
  return utf8(
    `{"Version":${meta.version},"ID":${goJsonString(meta.id)},"Index":${meta.index},"Term":${meta.term},` +
      `"Peers":${goBase64(meta.peers)},"Configuration":{"Servers":${encodeServers(meta.configuration.servers)}},` +
      `"ConfigurationIndex":${meta.configurationIndex},"Size":${meta.size},"CRC":${goBase64(crc)}}\n`,
  );
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go matches JSON keys to fields exactly first, then case-insensitively. */
function member(obj: JsonObject, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

class Fields {
  constructor(
    readonly obj: JsonObject,
    readonly where: string,
  ) {}

  fail(what: string): never {
    throw new SnapshotError(`${this.where}: ${what}`);
  }

  /** A JSON integer in [min, 2^53): larger uint64 values cannot be held exactly and are refused. */
  integer(name: string, min: number, required: boolean): number {
    const v = member(this.obj, name);
    if (v === undefined || v === null) return required ? this.fail(`${name} is missing`) : 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(`${name} is not an integer ≥ ${min} below 2^53: ${JSON.stringify(v)}`);
    return v;
  }

  string(name: string, required: boolean): string {
    const v = member(this.obj, name);
    if (v === undefined || v === null) return required ? this.fail(`${name} is missing`) : '';
    if (typeof v !== 'string') this.fail(`${name} is not a string`);
    return v;
  }

  /** A Go []byte: base64 (standard alphabet, padded; Go skips CR and LF) or null. */
  bytes(name: string): Uint8Array {
    const v = member(this.obj, name);
    if (v === undefined || v === null) return new Uint8Array();
    if (typeof v !== 'string') this.fail(`${name} is not base64 text`);
    const text = v.replace(/[\r\n]/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) this.fail(`${name} is not base64`);
    return new Uint8Array(Buffer.from(text, 'base64'));
  }

  object(name: string): Fields | undefined {
    const v = member(this.obj, name);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(`${name} is not an object`);
    return new Fields(v, `${this.where}.${name}`);
  }

  array(name: string): unknown[] {
    const v = member(this.obj, name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(`${name} is not an array`);
    return v;
  }
}

function decodeServer(raw: unknown, where: string): Server {
  if (!isObject(raw)) throw new SnapshotError(`${where}: not an object`);
  const f = new Fields(raw, where);
  const suffrage = f.integer('Suffrage', 0, false);
  if (suffrage > 2) f.fail(`unknown Suffrage ${suffrage}`);
  return { suffrage: suffrage as Server['suffrage'], id: f.string('ID', false), address: f.string('Address', false) };
}

/** Decodes meta.json's bytes; whatever is wrong with them is a SnapshotError naming `source`. */
export function decodeSnapshotMetaJson(bytes: Uint8Array, source: string): FileSnapshotMeta {
  if (bytes.length > MAX_META_JSON_BYTES) throw new SnapshotError(`${source}: ${bytes.length} bytes, more than ${MAX_META_JSON_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (err) {
    throw new SnapshotError(`${source}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(parsed)) throw new SnapshotError(`${source}: not a JSON object`);
  const f = new Fields(parsed, source);
  const configuration = f.object('Configuration');
  const servers = (configuration?.array('Servers') ?? []).map((s, i) => decodeServer(s, `${source}.Configuration.Servers[${i}]`));
  return {
    meta: {
      version: f.integer('Version', 0, true),
      id: f.string('ID', true),
      index: f.integer('Index', 0, true),
      term: f.integer('Term', 0, true),
      peers: f.bytes('Peers'),
      configuration: { servers },
      configurationIndex: f.integer('ConfigurationIndex', 0, false),
      size: f.integer('Size', 0, false),
    },
    crc: f.bytes('CRC'),
  };
}
