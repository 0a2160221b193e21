// The records the agent replicates through raft: Consul's KV entries, sessions
// and catalog (nodes, services, checks). Field names are ours (camelCase); the
// HTTP layer maps them to Consul's JSON (PascalCase) in one place.

/** Raft log index at which a record was created or last changed. */
export type RaftIndex = number;

export interface KVEntry {
  readonly key: string;
  readonly value: Uint8Array;
  /** Opaque 64-bit flags; kept as a decimal string so values above 2^53 survive. */
  readonly flags: string;
  readonly createIndex: RaftIndex;
  readonly modifyIndex: RaftIndex;
  /** Number of times the key was acquired by a session (Consul's LockIndex). */
  readonly lockIndex: number;
  /** The session holding the lock, if any. */
  readonly session?: string;
}

export type SessionBehavior = 'release' | 'delete';

export interface Session {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  /** Check IDs on `node` whose critical status invalidates the session (Consul's NodeChecks; default ["serfHealth"]). */
  readonly nodeChecks: readonly string[];
  readonly behavior: SessionBehavior;
  /** 0 = no TTL. Consul allows 10 s .. 24 h. */
  readonly ttlMs: number;
  readonly lockDelayMs: number;
  readonly createIndex: RaftIndex;
  readonly modifyIndex: RaftIndex;
}

export interface CatalogNode {
  readonly node: string;
  /** A UUID, as Consul's node IDs. */
  readonly id: string;
  readonly address: string;
  readonly datacenter: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly taggedAddresses: Readonly<Record<string, string>>;
  readonly createIndex: RaftIndex;
  readonly modifyIndex: RaftIndex;
}

export interface CatalogService {
  readonly node: string;
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly enableTagOverride: boolean;
  readonly createIndex: RaftIndex;
  readonly modifyIndex: RaftIndex;
}

export type HealthStatus = 'passing' | 'warning' | 'critical';

export interface HealthCheck {
  readonly node: string;
  /** Unique per node; "serfHealth" is the node's gossip health, "service:<id>" a service's TTL check. */
  readonly checkId: string;
  readonly name: string;
  readonly status: HealthStatus;
  readonly notes: string;
  readonly output: string;
  /** Empty for node-level checks. */
  readonly serviceId: string;
  readonly serviceName: string;
  readonly serviceTags: readonly string[];
  /** Consul's check Type: "ttl" for TTL checks, "" for serfHealth. */
  readonly type: string;
  readonly createIndex: RaftIndex;
  readonly modifyIndex: RaftIndex;
}

/** The check every node gets from gossip health, as Consul names it. */
export const SERF_HEALTH_CHECK = 'serfHealth';
