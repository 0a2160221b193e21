// The writes the agent replicates: one Command per raft log entry. The
// server that receives a write fills in everything nondeterministic (session
// IDs, node IDs) before it is proposed, so applying a Command is a pure
// function of the store and the entry's raft index.

import type { HealthStatus, SessionBehavior } from './records.js';

/** Consul's KV verbs, shared by the /v1/kv endpoint and /v1/txn. */
export type KVVerb =
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'get'
  | 'get-tree'
  | 'check-index'
  | 'check-session'
  | 'check-not-exists'
  | 'delete'
  | 'delete-tree'
  | 'delete-cas';

export interface KVOp {
  readonly verb: KVVerb;
  readonly key: string;
  readonly value?: Uint8Array;
  /** Decimal string of an unsigned 64-bit integer. */
  readonly flags?: string;
  /** The index for cas, delete-cas and check-index. */
  readonly index?: number;
  /** The session for lock, unlock and check-session. */
  readonly session?: string;
}

export interface SessionSpec {
  readonly id: string;
  readonly name: string;
  readonly node: string;
  readonly nodeChecks: readonly string[];
  readonly behavior: SessionBehavior;
  readonly ttlMs: number;
  readonly lockDelayMs: number;
}

export interface NodeSpec {
  readonly node: string;
  readonly id: string;
  readonly address: string;
  readonly datacenter: string;
  readonly meta?: Readonly<Record<string, string>>;
  readonly taggedAddresses?: Readonly<Record<string, string>>;
}

export interface ServiceSpec {
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly enableTagOverride: boolean;
}

export interface CheckSpec {
  readonly checkId: string;
  readonly name: string;
  readonly status: HealthStatus;
  readonly notes: string;
  readonly output: string;
  readonly serviceId: string;
  readonly type: string;
}

export type Command =
  /** One KV operation (PUT/DELETE on /v1/kv). */
  | { readonly type: 'kv'; readonly op: KVOp }
  /** All-or-nothing KV operations (PUT /v1/txn). */
  | { readonly type: 'txn'; readonly ops: readonly KVOp[] }
  | { readonly type: 'session-create'; readonly session: SessionSpec }
  /** Explicit destroy, TTL expiry and invalidation all end a session the same way. */
  | { readonly type: 'session-destroy'; readonly id: string }
  /** Consul's catalog register: upserts the node, and optionally one service and checks on it. */
  | { readonly type: 'register'; readonly node: NodeSpec; readonly service?: ServiceSpec; readonly checks?: readonly CheckSpec[] }
  /** Removes a service or a check from a node, or (neither given) the node with everything on it. */
  | { readonly type: 'deregister'; readonly node: string; readonly serviceId?: string; readonly checkId?: string };

export type CommandType = Command['type'];
