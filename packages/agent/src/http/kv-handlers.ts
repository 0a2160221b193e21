// /v1/kv/<key>: GET (one key, ?recurse, ?keys with ?separator, ?raw), PUT
// (?flags, ?cas, ?acquire, ?release) and DELETE (?recurse, ?cas).
import { isUint64String } from '../state/decode-fields.js';
import type { KVOp } from '../state/commands.js';
import { MAX_KEY_LENGTH, MAX_VALUE_BYTES } from '../limits.js';
import { kvGet, kvKeys, kvList } from '../state/queries.js';
import { HttpError, flag, jsonResponse, textResponse, type ApiRequest, type ApiResponse } from './api.js';
import { blockingRead } from './blocking.js';
import type { ApiContext } from './context.js';
import { kvEntriesJson } from './consul-json.js';
import { write } from './write.js';

function checkKey(key: string): void {
  if (key.length > MAX_KEY_LENGTH) throw new HttpError(400, `Key too long (${key.length} > ${MAX_KEY_LENGTH})`);
}

export async function kvGetHandler(ctx: ApiContext, req: ApiRequest, key: string): Promise<ApiResponse> {
  checkKey(key);
  if (flag(req, 'keys')) {
    const r = await blockingRead(ctx, req, kvKeys(key, req.query.get('separator') ?? ''));
    if (r.value.length === 0 && key !== '') return textResponse(404, '', r.headers);
    return jsonResponse(JSON.stringify(r.value), 200, r.headers);
  }
  if (flag(req, 'recurse')) {
    const r = await blockingRead(ctx, req, kvList(key));
    if (r.value.length === 0) return textResponse(404, '', r.headers);
    return jsonResponse(kvEntriesJson(r.value), 200, r.headers);
  }
  const r = await blockingRead(ctx, req, kvGet(key));
  if (!r.value) return textResponse(404, '', r.headers);
  if (flag(req, 'raw')) {
    const type = isUtf8(r.value.value) ? 'text/plain; charset=utf-8' : 'application/octet-stream';
    return { status: 200, headers: { ...r.headers, 'content-type': type }, body: r.value.value };
  }
  return jsonResponse(kvEntriesJson([r.value]), 200, r.headers);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function indexParam(req: ApiRequest, name: string): number {
  const text = req.query.get(name) ?? '';
  if (!/^\d{1,16}$/.test(text)) throw new HttpError(400, `Invalid ${name} index`);
  return Number(text);
}

export async function kvPutHandler(ctx: ApiContext, req: ApiRequest, key: string): Promise<ApiResponse> {
  if (key === '') throw new HttpError(400, 'Missing key name');
  checkKey(key);
  if (req.body.length > MAX_VALUE_BYTES) throw new HttpError(413, `Request body(${req.body.length} bytes) too large, max size: ${MAX_VALUE_BYTES} bytes`);
  const flags = req.query.get('flags') ?? '0';
  if (!isUint64String(flags)) throw new HttpError(400, 'Invalid flags');
  let op: KVOp = { verb: 'set', key, value: req.body, flags };
  if (req.query.has('cas')) op = { ...op, verb: 'cas', index: indexParam(req, 'cas') };
  const acquire = req.query.get('acquire');
  if (acquire !== null) op = { ...op, verb: 'lock', session: acquire };
  const release = req.query.get('release');
  if (release !== null) op = { ...op, verb: 'unlock', session: release };
  const result = await write(ctx, req, { type: 'kv', op });
  return jsonResponse(JSON.stringify(result === true));
}

export async function kvDeleteHandler(ctx: ApiContext, req: ApiRequest, key: string): Promise<ApiResponse> {
  checkKey(key);
  let op: KVOp;
  if (flag(req, 'recurse')) op = { verb: 'delete-tree', key };
  else {
    if (key === '') throw new HttpError(400, 'Missing key name');
    op = req.query.has('cas') ? { verb: 'delete-cas', key, index: indexParam(req, 'cas') } : { verb: 'delete', key };
  }
  const result = await write(ctx, req, { type: 'kv', op });
  return jsonResponse(JSON.stringify(result === true));
}
