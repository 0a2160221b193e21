// /v1/session/*: create, destroy, renew, info, list, node.
import { MAX_JSON_BODY_BYTES, MAX_LOCK_DELAY_MS, MAX_SESSION_TTL_MS, MIN_SESSION_TTL_MS } from '../limits.js';
import { SERF_HEALTH_CHECK, type SessionBehavior } from '../state/records.js';
import type { SessionSpec } from '../state/commands.js';
import { sessionInfo, sessionList, sessionsOfNode } from '../state/queries.js';
import { uuidFrom } from '../uuid.js';
import { HttpError, jsonBody, jsonResponse, type ApiRequest, type ApiResponse } from './api.js';
import { barrier, blockingRead, requireStore } from './blocking.js';
import type { ApiContext } from './context.js';
import { sessionJson } from './consul-json.js';
import { formatGoDuration, parseGoDuration } from './durations.js';
import { write } from './write.js';

const DEFAULT_LOCK_DELAY_MS = 15_000;

/** Consul reads a numeric LockDelay below 1000 as seconds, anything larger as nanoseconds. */
function lockDelayMs(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_LOCK_DELAY_MS;
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = value < 1000 ? value * 1000 : value / 1e6;
  else if (typeof value === 'string') ms = parseGoDuration(value);
  if (ms === undefined || ms < 0) throw new HttpError(400, `Request decode failed: invalid LockDelay ${JSON.stringify(value)}`);
  if (ms > MAX_LOCK_DELAY_MS) throw new HttpError(400, `Lock delay must be less than ${formatGoDuration(MAX_LOCK_DELAY_MS)}`);
  return Math.round(ms);
}

function ttlMs(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const ms = typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (ms === undefined || ms < MIN_SESSION_TTL_MS || ms > MAX_SESSION_TTL_MS) {
    throw new HttpError(400, `Invalid Session TTL '${String(value)}', must be between [${formatGoDuration(MIN_SESSION_TTL_MS)}=${formatGoDuration(MAX_SESSION_TTL_MS)}]`);
  }
  return Math.round(ms);
}

function checkList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string')) throw new HttpError(400, `Request decode failed: ${field} must be a list of check IDs`);
  return value as string[];
}

/** The session a create request asks for, with Consul's defaults. */
export function sessionSpecOf(ctx: ApiContext, body: unknown, id: string): SessionSpec {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw new HttpError(400, 'Request decode failed: expected a JSON object');
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (field: string, fallback: string): string => {
    const v = b[field];
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v !== 'string') throw new HttpError(400, `Request decode failed: ${field} must be a string`);
    return v;
  };
  const behavior = str('Behavior', 'release');
  if (behavior !== 'release' && behavior !== 'delete') throw new HttpError(400, `Invalid Behavior setting '${behavior}'`);
  if ((checkList(b.ServiceChecks, 'ServiceChecks') ?? []).length > 0) throw new HttpError(400, 'ServiceChecks are not supported by this agent');
  const checks = checkList(b.Checks, 'Checks');
  const nodeChecks = checkList(b.NodeChecks, 'NodeChecks');
  return {
    id,
    name: str('Name', ''),
    node: str('Node', ctx.nodeName),
    nodeChecks: checks === undefined && nodeChecks === undefined ? [SERF_HEALTH_CHECK] : [...new Set([...(checks ?? []), ...(nodeChecks ?? [])])],
    behavior: behavior as SessionBehavior,
    ttlMs: ttlMs(b.TTL),
    lockDelayMs: lockDelayMs(b.LockDelay),
  };
}

export async function sessionCreateHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const spec = sessionSpecOf(ctx, jsonBody(req, MAX_JSON_BODY_BYTES), uuidFrom(ctx.random));
  const id = await write(ctx, req, { type: 'session-create', session: spec });
  return jsonResponse(JSON.stringify({ ID: id }));
}

export async function sessionDestroyHandler(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  if (id === '') throw new HttpError(400, 'Missing session');
  await write(ctx, req, { type: 'session-destroy', id });
  return jsonResponse('true');
}

export async function sessionRenewHandler(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  if (id === '') throw new HttpError(400, 'Missing session');
  const store = requireStore(ctx);
  await barrier(ctx, req.signal);
  if (!(await ctx.replicator.renewSession(id, { signal: req.signal }))) throw new HttpError(404, `Session id '${id}' not found`);
  const session = store.sessions.get(id);
  if (!session) throw new HttpError(404, `Session id '${id}' not found`);
  return jsonResponse(JSON.stringify([sessionJson(session)]));
}

export async function sessionInfoHandler(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, sessionInfo(id));
  return jsonResponse(JSON.stringify(r.value.map(sessionJson)), 200, r.headers);
}

export async function sessionListHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, sessionList());
  return jsonResponse(JSON.stringify(r.value.map(sessionJson)), 200, r.headers);
}

export async function sessionNodeHandler(ctx: ApiContext, req: ApiRequest, node: string): Promise<ApiResponse> {
  if (node === '') throw new HttpError(400, 'Missing node name');
  const r = await blockingRead(ctx, req, sessionsOfNode(node));
  return jsonResponse(JSON.stringify(r.value.map(sessionJson)), 200, r.headers);
}
