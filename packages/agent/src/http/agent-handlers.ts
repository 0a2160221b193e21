// /v1/agent/*: this agent's own services, TTL checks, identity and members,
// served from local state (on client agents too).
import type { LocalCheck } from '../local/local-state.js';
import { MAX_CHECKS_PER_REGISTER, MAX_JSON_BODY_BYTES, MAX_META_PAIRS, MAX_STRING_LENGTH, MAX_TAGS } from '../limits.js';
import type { ServiceSpec } from '../state/commands.js';
import type { HealthStatus } from '../state/records.js';
import { HttpError, jsonBody, jsonResponse, textResponse, type ApiRequest, type ApiResponse } from './api.js';
import type { ApiContext } from './context.js';
import { agentServiceJson, localCheckJson, memberJson } from './consul-json.js';
import { parseGoDuration } from './durations.js';

/** Consul truncates check output to 4 KiB. */
const MAX_CHECK_OUTPUT = 4096;
const STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];
/** Check definition fields of check types this agent cannot run. */
const UNSUPPORTED_CHECK_FIELDS = ['HTTP', 'TCP', 'UDP', 'GRPC', 'H2PING', 'Args', 'Script', 'DockerContainerID', 'AliasService', 'AliasNode', 'OSService'];

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, `Request decode failed: ${what} must be a JSON object`);
  return value as Fields;
}

function str(f: Fields, field: string, fallback: string): string {
  const v = f[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || v.length > MAX_STRING_LENGTH) throw new HttpError(400, `Request decode failed: ${field} must be a string of at most ${MAX_STRING_LENGTH} characters`);
  return v;
}

function stringArray(f: Fields, field: string, max: number): string[] {
  const v = f[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > max || v.some((t) => typeof t !== 'string' || t.length > MAX_STRING_LENGTH)) throw new HttpError(400, `Request decode failed: ${field} must be a list of at most ${max} strings`);
  return v as string[];
}

function stringMap(f: Fields, field: string): Record<string, string> {
  const v = f[field];
  if (v === undefined || v === null) return {};
  const entries = Object.entries(fieldsOf(v, field));
  if (entries.length > MAX_META_PAIRS || entries.some(([k, x]) => typeof x !== 'string' || k.length > 128 || x.length > 512)) {
    throw new HttpError(400, `Invalid ${field}: at most ${MAX_META_PAIRS} pairs of strings (keys up to 128, values up to 512 characters)`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** A service's TTL check definition as a LocalCheck; `n` numbers it when the service has several. */
function ttlCheckOf(raw: unknown, service: ServiceSpec, n: number | undefined): LocalCheck {
  const f = fieldsOf(raw, 'Check');
  const unsupported = UNSUPPORTED_CHECK_FIELDS.find((k) => f[k] !== undefined && f[k] !== null && f[k] !== '');
  if (unsupported) throw new HttpError(400, `Check type ${unsupported} is not supported by this agent: only TTL checks are`);
  const ttl = parseGoDuration(str(f, 'TTL', ''));
  if (ttl === undefined || ttl <= 0) throw new HttpError(400, 'Invalid check: TTL must be a positive duration such as "10s"');
  const status = str(f, 'Status', 'critical');
  if (!STATUSES.includes(status as HealthStatus)) throw new HttpError(400, `Invalid check status: '${status}'`);
  const checkId = str(f, 'CheckID', str(f, 'ID', n === undefined ? `service:${service.id}` : `service:${service.id}:${n}`));
  return {
    spec: { checkId, name: str(f, 'Name', `Service '${service.service}' check`), status: status as HealthStatus, notes: str(f, 'Notes', ''), output: '', serviceId: service.id, type: 'ttl' },
    ttlMs: Math.round(ttl),
  };
}

/** The request's service and checks; exported for tests of Consul's defaults. */
export function serviceRegistrationOf(body: unknown): { service: ServiceSpec; checks: LocalCheck[] } {
  const f = fieldsOf(body, 'body');
  const name = str(f, 'Name', '');
  if (name === '') throw new HttpError(400, 'Missing service name');
  const port = f.Port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new HttpError(400, 'Invalid Port');
  if (f.EnableTagOverride !== undefined && typeof f.EnableTagOverride !== 'boolean') throw new HttpError(400, 'Request decode failed: EnableTagOverride must be a boolean');
  const service: ServiceSpec = {
    id: str(f, 'ID', name) || name,
    service: name,
    tags: stringArray(f, 'Tags', MAX_TAGS),
    address: str(f, 'Address', ''),
    port,
    meta: stringMap(f, 'Meta'),
    enableTagOverride: f.EnableTagOverride === true,
  };
  const defs: unknown[] = [];
  if (f.Check !== undefined && f.Check !== null) defs.push(f.Check);
  if (f.Checks !== undefined && f.Checks !== null) {
    if (!Array.isArray(f.Checks)) throw new HttpError(400, 'Request decode failed: Checks must be a list');
    defs.push(...(f.Checks as unknown[]));
  }
  if (defs.length > MAX_CHECKS_PER_REGISTER) throw new HttpError(400, `At most ${MAX_CHECKS_PER_REGISTER} checks per service`);
  const checks = defs.map((d, i) => ttlCheckOf(d, service, defs.length > 1 ? i + 1 : undefined));
  if (new Set(checks.map((c) => c.spec.checkId)).size !== checks.length) throw new HttpError(400, 'Duplicate check IDs');
  return { service, checks };
}

/** Pushes a local change to the catalog before answering, so that a client reading the catalog next sees it; a failed push is retried in the background. */
async function syncSoon(ctx: ApiContext): Promise<void> {
  await ctx.antiEntropy.syncNow();
}

export async function serviceRegisterHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const { service, checks } = serviceRegistrationOf(jsonBody(req, MAX_JSON_BODY_BYTES));
  const taken = checks.find((c) => ctx.local.checks().get(c.spec.checkId)?.spec.serviceId !== undefined && ctx.local.checks().get(c.spec.checkId)!.spec.serviceId !== service.id);
  if (taken) throw new HttpError(400, `Check ID ${JSON.stringify(taken.spec.checkId)} belongs to another service`);
  ctx.local.addService(service, checks);
  await syncSoon(ctx);
  return textResponse(200, '');
}

export async function serviceDeregisterHandler(ctx: ApiContext, _req: ApiRequest, id: string): Promise<ApiResponse> {
  if (!ctx.local.removeService(id)) throw new HttpError(404, `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
  await syncSoon(ctx);
  return textResponse(200, '');
}

async function updateCheck(ctx: ApiContext, checkId: string, status: HealthStatus, output: string): Promise<ApiResponse> {
  if (!ctx.local.updateCheck(checkId, status, output.slice(0, MAX_CHECK_OUTPUT))) throw new HttpError(404, `Unknown check ID ${JSON.stringify(checkId)}`);
  await syncSoon(ctx);
  return textResponse(200, '');
}

export const checkPassHandler = (ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> => updateCheck(ctx, id, 'passing', req.query.get('note') ?? '');
export const checkWarnHandler = (ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> => updateCheck(ctx, id, 'warning', req.query.get('note') ?? '');
export const checkFailHandler = (ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> => updateCheck(ctx, id, 'critical', req.query.get('note') ?? '');

export async function checkUpdateHandler(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const f = fieldsOf(jsonBody(req, MAX_JSON_BODY_BYTES) ?? {}, 'body');
  const status = str(f, 'Status', '');
  if (!STATUSES.includes(status as HealthStatus)) throw new HttpError(400, `Invalid check status: '${status}'`);
  return updateCheck(ctx, id, status as HealthStatus, str(f, 'Output', ''));
}

export function agentServicesHandler(ctx: ApiContext): ApiResponse {
  const services = [...ctx.local.services().values()].map((s) => [s.id, agentServiceJson(s, ctx.datacenter)]);
  return jsonResponse(JSON.stringify(Object.fromEntries(services)));
}

export function agentChecksHandler(ctx: ApiContext): ApiResponse {
  const checks = [...ctx.local.checks().values()].map((c) => [c.spec.checkId, localCheckJson(ctx.nodeName, c, ctx.local.services())]);
  return jsonResponse(JSON.stringify(Object.fromEntries(checks)));
}

/** The Consul version whose API this agent follows, for clients that look at Config.Version. */
export const CONSUL_API_VERSION = '1.15.0';

export function agentSelfHandler(ctx: ApiContext): ApiResponse {
  return jsonResponse(
    JSON.stringify({
      Config: { Datacenter: ctx.datacenter, PrimaryDatacenter: ctx.datacenter, NodeName: ctx.nodeName, NodeID: ctx.nodeId, Server: ctx.server, Revision: 'shoal', Version: CONSUL_API_VERSION },
      Member: memberJson(ctx.members.self()),
      Meta: {},
    }),
  );
}

export function agentMembersHandler(ctx: ApiContext): ApiResponse {
  return jsonResponse(JSON.stringify(ctx.members.members().map(memberJson)));
}

/** Consul's /v1/agent/metrics, in its Prometheus form only. */
export async function agentMetricsHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  if (!ctx.metricsText) throw new HttpError(404, 'This agent does not collect metrics');
  if (req.query.get('format') !== 'prometheus') throw new HttpError(400, 'Only ?format=prometheus is supported');
  const { contentType, body } = await ctx.metricsText();
  return { status: 200, headers: { 'content-type': contentType }, body };
}

/** Prometheus' usual /metrics: the same text as /v1/agent/metrics?format=prometheus. */
export async function prometheusMetricsHandler(ctx: ApiContext): Promise<ApiResponse> {
  if (!ctx.metricsText) throw new HttpError(404, 'This agent does not collect metrics');
  const { contentType, body } = await ctx.metricsText();
  return { status: 200, headers: { 'content-type': contentType }, body };
}

/**
 * Consul's /v1/operator/raft/configuration, from what this agent knows: the
 * voters' raft addresses, matched to the servers gossip tells of for their
 * node names and IDs. Every member of raft here is a voter.
 */
export function raftConfigurationHandler(ctx: ApiContext): ApiResponse {
  const leadership = ctx.replicator.leadership();
  const servers = ctx.members.members().filter((m) => m.tags.role === 'server');
  return jsonResponse(
    JSON.stringify({
      Servers: leadership.raftPeers.map((address) => {
        const member = servers.find((m) => m.tags.raftAddress === address);
        // Consul's raft ID is the node ID; this one's is the node name, but clients expect the ID here.
        return { ID: member?.tags.nodeId ?? address, Node: member?.name ?? address, Address: address, Leader: address === leadership.leaderRaftAddress, ProtocolVersion: '3', Voter: true };
      }),
      Index: 0,
    }),
  );
}

export function statusLeaderHandler(ctx: ApiContext): ApiResponse {
  return jsonResponse(JSON.stringify(ctx.replicator.leadership().leaderRaftAddress ?? ''));
}

export function statusPeersHandler(ctx: ApiContext): ApiResponse {
  return jsonResponse(JSON.stringify(ctx.replicator.leadership().raftPeers));
}
