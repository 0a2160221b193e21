// What an agent tells the cluster about itself in its memberlist node meta:
// whether it is a server, its datacenter, where its raft and HTTP listen,
// and what it expects of bootstrapping. Servers find each other, bootstrap
// raft and forward writes with nothing else. Consul carries the same facts
// in serf tags. It also tells its Lifeguard health score, for the dashboard
// (health-score-publisher.ts keeps it current).
//
// The meta is a small JSON object ({"shoal":1, ...}) well under memberlist's
// 512-byte limit. Decoding is total: meta from anything that is not a shoal
// agent (a plain memberlist node, a newer format) decodes to undefined, and
// the node is left out of everything the agent does. The health score is
// informational only: a missing or malformed one decodes as unknown
// (undefined) and leaves the rest of the tags standing.

import { fromUtf8, utf8 } from '@shoal/kit';

export type AgentRole = 'server' | 'client';

export interface AgentTags {
  readonly role: AgentRole;
  readonly datacenter: string;
  /** The agent's node ID (a UUID), as the catalog records it. */
  readonly nodeId: string;
  /** "host:port" other agents reach its HTTP API at (and the internal endpoints on servers). */
  readonly httpAddress: string;
  /** Servers: "host:port" of raft. */
  readonly raftAddress?: string;
  /** Servers started with --bootstrap-expect N. */
  readonly bootstrapExpect?: number;
  /** Servers: true once its raft holds any state (bootstrapped, or joined a cluster). */
  readonly hasRaftState?: boolean;
  /** Lifeguard's health score as last published (0 is healthy; higher: its own probes fail); undefined when unknown. */
  readonly healthScore?: number;
}

const FORMAT = 1;

interface WireTags {
  shoal: number;
  role: string;
  dc: string;
  id: string;
  http: string;
  raft?: string;
  expect?: number;
  state?: boolean;
  hs?: number;
}

export function encodeAgentTags(tags: AgentTags): Uint8Array {
  const wire: WireTags = { shoal: FORMAT, role: tags.role, dc: tags.datacenter, id: tags.nodeId, http: tags.httpAddress };
  if (tags.raftAddress !== undefined) wire.raft = tags.raftAddress;
  if (tags.bootstrapExpect !== undefined) wire.expect = tags.bootstrapExpect;
  if (tags.hasRaftState !== undefined) wire.state = tags.hasRaftState;
  if (tags.healthScore !== undefined) wire.hs = tags.healthScore;
  return utf8(JSON.stringify(wire));
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isHealthScore = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The tags in `meta`, or undefined when it is not a shoal agent's meta of this format. */
export function decodeAgentTags(meta: Uint8Array): AgentTags | undefined {
  if (meta.length === 0 || meta[0] !== 0x7b /* { */) return undefined;
  let wire: Partial<Record<keyof WireTags, unknown>>;
  try {
    wire = JSON.parse(fromUtf8(meta)) as typeof wire;
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null || wire.shoal !== FORMAT) return undefined;
  const { role, dc, id, http, raft, expect, state, hs } = wire;
  if ((role !== 'server' && role !== 'client') || !isString(dc) || !isString(id) || !isString(http)) return undefined;
  if (raft !== undefined && !isString(raft)) return undefined;
  if (expect !== undefined && !(Number.isSafeInteger(expect) && (expect as number) > 0)) return undefined;
  if (state !== undefined && typeof state !== 'boolean') return undefined;
  return {
    role,
    datacenter: dc,
    nodeId: id,
    httpAddress: http,
    ...(raft !== undefined ? { raftAddress: raft } : {}),
    ...(expect !== undefined ? { bootstrapExpect: expect as number } : {}),
    ...(state !== undefined ? { hasRaftState: state } : {}),
    ...(isHealthScore(hs) ? { healthScore: hs } : {}),
  };
}
