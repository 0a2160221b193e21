// The records as Consul's JSON: PascalCase field names in Consul's order,
// values in base64 (null when empty, as Go encodes a nil slice), Flags as a
// JSON number written from its decimal string (exact above 2^53), LockDelay
// in nanoseconds and TTL as a Go duration string.
import { splitHostPort } from '@shoal/memberlist';
import type { AgentTags } from '../cluster/agent-tags.js';
import type { Member, MemberStatus } from '../member-view.js';
import type { HealthEntry, ServiceInstance } from '../state/queries.js';
import type { CatalogNode, CatalogService, HealthCheck, KVEntry, Session } from '../state/records.js';
import type { ServiceSpec } from '../state/commands.js';
import type { LocalCheck } from '../local/local-state.js';
import { toBase64 } from '../state/decode-fields.js';
import { formatGoDuration } from './durations.js';

const j = JSON.stringify;

/** One KV entry; built by hand so that Flags keeps every digit. */
export function kvEntryJson(e: KVEntry): string {
  const value = e.value.length === 0 ? 'null' : j(toBase64(e.value));
  const session = e.session === undefined ? '' : `,"Session":${j(e.session)}`;
  return `{"LockIndex":${e.lockIndex},"Key":${j(e.key)},"Flags":${e.flags},"Value":${value}${session},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`;
}

export const kvEntriesJson = (entries: readonly KVEntry[]): string => `[${entries.map(kvEntryJson).join(',')}]`;

export function txnResultsJson(results: readonly KVEntry[]): string {
  return `{"Results":${results.length === 0 ? 'null' : `[${results.map((e) => `{"KV":${kvEntryJson(e)}}`).join(',')}]`},"Errors":null}`;
}

export function txnErrorsJson(errors: readonly { opIndex: number; what: string }[]): string {
  return j({ Results: null, Errors: errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) });
}

export function sessionJson(s: Session): object {
  return {
    ID: s.id,
    Name: s.name,
    Node: s.node,
    LockDelay: s.lockDelayMs * 1e6,
    Behavior: s.behavior,
    TTL: s.ttlMs === 0 ? '' : formatGoDuration(s.ttlMs),
    NodeChecks: s.nodeChecks,
    ServiceChecks: null,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

export function nodeJson(n: CatalogNode): object {
  return { ID: n.id, Node: n.node, Address: n.address, Datacenter: n.datacenter, TaggedAddresses: n.taggedAddresses, Meta: n.meta, CreateIndex: n.createIndex, ModifyIndex: n.modifyIndex };
}

/** A service as /v1/agent/services and /v1/catalog/node show it (AgentService). */
export function agentServiceJson(s: ServiceSpec | CatalogService, datacenter: string): object {
  const indexes = 'createIndex' in s ? { CreateIndex: s.createIndex, ModifyIndex: s.modifyIndex } : {};
  return {
    ID: s.id,
    Service: s.service,
    Tags: s.tags,
    Meta: s.meta,
    Port: s.port,
    Address: s.address,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: s.enableTagOverride,
    Datacenter: datacenter,
    ...indexes,
  };
}

/** A service instance as /v1/catalog/service lists it (ServiceNode). */
export function serviceNodeJson({ node, service }: ServiceInstance): object {
  return {
    ID: node.id,
    Node: node.node,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: node.taggedAddresses,
    NodeMeta: node.meta,
    ServiceID: service.id,
    ServiceName: service.service,
    ServiceTags: service.tags,
    ServiceAddress: service.address,
    ServiceMeta: service.meta,
    ServicePort: service.port,
    ServiceEnableTagOverride: service.enableTagOverride,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

export function checkJson(c: HealthCheck): object {
  return {
    Node: c.node,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceId,
    ServiceName: c.serviceName,
    ServiceTags: c.serviceTags,
    Type: c.type,
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

/** A local check as /v1/agent/checks shows it (no raft indexes: it is not from the catalog). */
export function localCheckJson(node: string, c: LocalCheck, services: ReadonlyMap<string, ServiceSpec>): object {
  const service = services.get(c.spec.serviceId);
  return {
    Node: node,
    CheckID: c.spec.checkId,
    Name: c.spec.name,
    Status: c.spec.status,
    Notes: c.spec.notes,
    Output: c.spec.output,
    ServiceID: c.spec.serviceId,
    ServiceName: service?.service ?? '',
    ServiceTags: service?.tags ?? [],
    Type: c.spec.type,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

export function healthEntryJson(e: HealthEntry): object {
  return { Node: nodeJson(e.node), Service: agentServiceJson(e.service, e.node.datacenter), Checks: e.checks.map(checkJson) };
}

/** The serf tag of /v1/agent/members that carries a member's health score. */
export const HEALTH_SCORE_TAG = 'health_score';

/** serf's numeric member statuses (2 is leaving, which memberlist has no state for). */
const MEMBER_STATUS: Record<MemberStatus, number> = { alive: 1, left: 3, failed: 4 };

/**
 * An agent's tags as Consul's serf tags: role "consul" for servers, "node"
 * for client agents. One of shoal's own, which Consul's clients ignore:
 * health_score, the member's Lifeguard health score as it last published it
 * (absent when unknown).
 */
function serfTagsOf(tags: AgentTags): Record<string, string> {
  const out: Record<string, string> = { role: tags.role === 'server' ? 'consul' : 'node', dc: tags.datacenter, id: tags.nodeId };
  const raftPort = tags.raftAddress === undefined ? undefined : splitHostPort(tags.raftAddress)?.port;
  if (raftPort !== undefined) out.port = String(raftPort);
  if (tags.bootstrapExpect !== undefined) out.expect = String(tags.bootstrapExpect);
  if (tags.healthScore !== undefined) out[HEALTH_SCORE_TAG] = String(tags.healthScore);
  return out;
}

export function memberJson(m: Member): object {
  return {
    Name: m.name,
    Addr: m.address,
    Port: m.port,
    Tags: serfTagsOf(m.tags),
    Status: MEMBER_STATUS[m.status],
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
