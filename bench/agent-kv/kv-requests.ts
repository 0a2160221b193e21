// The same key-value operation as each system's HTTP API has it: the Consul
// KV API of `shoal agent` (raw value as the body; a GET answers a JSON array
// with the value in base64, linearizable by default) and etcd's v3 JSON
// gateway (keys and values in base64 in a JSON body; a range is linearizable
// by default). `accepts` tells a right answer from a wrong one, so the load
// generator counts errors the same way for both.
import type { KvImpl, KvOp } from './args.js';

export interface KvRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly body?: Buffer;
}

/** The key of the `n`th operation: keys repeat every `keys` operations. */
export const keyOf = (n: number, keys: number): string => `agent-kv/${String(n % keys).padStart(8, '0')}`;

/** A printable value of exactly `size` bytes that names operation `n`. */
export function valueOf(n: number, size: number): Buffer {
  const value = Buffer.alloc(size, '.');
  value.write(String(n).slice(0, size), 'latin1');
  return value;
}

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

/** etcd's JSON gateway body for a put of `value` at `key`. */
export const etcdPutBody = (key: string, value: Buffer): string => JSON.stringify({ key: b64(key), value: b64(value) });
/** etcd's JSON gateway body for a linearizable read of `key`. */
export const etcdRangeBody = (key: string): string => JSON.stringify({ key: b64(key) });

export function kvRequest(impl: KvImpl, op: KvOp, key: string, value: Buffer): KvRequest {
  if (impl === 'shoal') return op === 'put' ? { method: 'PUT', path: `/v1/kv/${key}`, body: value } : { method: 'GET', path: `/v1/kv/${key}` };
  return op === 'put' ? { method: 'POST', path: '/v3/kv/put', body: Buffer.from(etcdPutBody(key, value)) } : { method: 'POST', path: '/v3/kv/range', body: Buffer.from(etcdRangeBody(key)) };
}

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/**
 * Undefined when `body` (status `status`) is the right answer to `op` on
 * `key`, which every read finds (the bench writes every key first); else
 * what is wrong.
 */
export function answerProblem(impl: KvImpl, op: KvOp, key: string, status: number, body: string): string | undefined {
  if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`;
  const json = parse(body);
  if (impl === 'shoal') {
    if (op === 'put') return json === true ? undefined : `put answered ${body.slice(0, 200)}`;
    const entry = Array.isArray(json) && json.length === 1 ? (json[0] as { Key?: unknown; Value?: unknown }) : undefined;
    return entry?.Key === key && typeof entry.Value === 'string' ? undefined : `get answered ${body.slice(0, 200)}`;
  }
  if (typeof json !== 'object' || json === null || !('header' in json)) return `answer without a header: ${body.slice(0, 200)}`;
  if (op === 'put') return undefined;
  const kvs = (json as { kvs?: unknown }).kvs;
  const entry = Array.isArray(kvs) && kvs.length === 1 ? (kvs[0] as { key?: unknown; value?: unknown }) : undefined;
  return entry?.key === b64(key) && typeof entry.value === 'string' ? undefined : `range answered ${body.slice(0, 200)}`;
}
