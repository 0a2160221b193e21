// PUT /v1/txn: up to 64 KV operations, all applied or none. 200 with the
// results, 409 with each failed operation's index and reason.
import type { KVOp, KVVerb } from '../state/commands.js';
import { KV_VERBS } from '../state/codec.js';
import { MAX_KEY_LENGTH, MAX_TXN_BODY_BYTES, MAX_TXN_OPS, MAX_VALUE_BYTES } from '../limits.js';
import type { TxnResult } from '../state/store.js';
import { HttpError, jsonBody, jsonResponse, type ApiRequest, type ApiResponse } from './api.js';
import type { ApiContext } from './context.js';
import { txnErrorsJson, txnResultsJson } from './consul-json.js';
import { write } from './write.js';

type Converted = { ops: KVOp[] } | { errors: { opIndex: number; what: string }[] };

/** Consul's JSON operations to KVOps; malformed operations are 400, oversized 413, unknown verbs 409. */
export function convertTxnOps(body: unknown): Converted {
  if (!Array.isArray(body)) throw new HttpError(400, 'Failed to parse body: expected a JSON array of operations');
  if (body.length > MAX_TXN_OPS) throw new HttpError(413, `Transaction contains too many operations (${body.length} > ${MAX_TXN_OPS})`);
  const ops: KVOp[] = [];
  const errors: { opIndex: number; what: string }[] = [];
  body.forEach((raw: unknown, opIndex) => {
    const kv = (raw as { KV?: unknown } | null)?.KV;
    if (typeof kv !== 'object' || kv === null) throw new HttpError(400, `Failed to parse body: operation ${opIndex} is not a KV operation (only KV operations are supported)`);
    const f = kv as Record<string, unknown>;
    const bad = (field: string): never => {
      throw new HttpError(400, `Failed to parse body: operation ${opIndex}: invalid ${field}`);
    };
    if (typeof f.Verb !== 'string') bad('Verb');
    if (typeof f.Key !== 'string' || f.Key.length > MAX_KEY_LENGTH) bad('Key');
    const key = f.Key as string;
    if (!KV_VERBS.includes(f.Verb as KVVerb)) {
      errors.push({ opIndex, what: `unknown KV verb ${JSON.stringify(f.Verb)}` });
      return;
    }
    let value: Uint8Array | undefined;
    if (f.Value !== undefined && f.Value !== null) {
      if (typeof f.Value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(f.Value) || f.Value.length % 4 !== 0) bad('Value');
      value = new Uint8Array(Buffer.from(f.Value as string, 'base64'));
      if (value.length > MAX_VALUE_BYTES) throw new HttpError(413, `Value for key ${JSON.stringify(key)} is too large (${value.length} > ${MAX_VALUE_BYTES} bytes)`);
    }
    const num = (field: string): number | undefined => {
      const v = f[field];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(field);
      return v as number;
    };
    const flags = num('Flags');
    const index = num('Index');
    if (f.Session !== undefined && f.Session !== null && typeof f.Session !== 'string') bad('Session');
    const session = (f.Session as string | undefined | null) || undefined;
    ops.push({
      verb: f.Verb as KVVerb,
      key,
      ...(value === undefined ? {} : { value }),
      ...(flags === undefined ? {} : { flags: String(flags) }),
      ...(index === undefined ? {} : { index }),
      ...(session === undefined ? {} : { session }),
    });
  });
  return errors.length > 0 ? { errors } : { ops };
}

export async function txnHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const converted = convertTxnOps(jsonBody(req, MAX_TXN_BODY_BYTES));
  if ('errors' in converted) return jsonResponse(txnErrorsJson(converted.errors), 409);
  if (converted.ops.length === 0) return jsonResponse(txnResultsJson([]));
  const result = (await write(ctx, req, { type: 'txn', ops: converted.ops })) as TxnResult;
  return 'errors' in result ? jsonResponse(txnErrorsJson(result.errors), 409) : jsonResponse(txnResultsJson(result.results));
}
