// The seam between the agent's API (HTTP handlers, local services and checks)
// and whatever replicates its writes: a single in-memory raft node in dev
// mode, or a raft cluster over the network whose servers find each other by
// gossip. Handlers never talk to raft directly.

import type { Command } from './state/commands.js';

export interface WriteResult {
  /** Raft index at which the command was applied. */
  readonly index: number;
  /** What the store's apply returned for it (a boolean for KV writes, a TxnResult for txn, ...). */
  readonly result: unknown;
}

export interface LeadershipView {
  /** Consul's X-Consul-KnownLeader. */
  readonly knownLeader: boolean;
  /** Consul's X-Consul-LastContact: ms since this server last heard from the leader (0 on the leader). */
  readonly lastContactMs: number;
  /** The leader's raft address ("host:port"), for /v1/status/leader; undefined when none is known. */
  readonly leaderRaftAddress?: string;
  /** Raft addresses of the voters, for /v1/status/peers. */
  readonly raftPeers: readonly string[];
}

export interface Replicator {
  /**
   * Commits `command` through raft, forwarding it to the leader when this
   * server is not the leader (or to a server from a client agent), and
   * resolves once it is applied, with the store's result. Rejects with an
   * Error carrying a stable `code` when no leader is reachable in time.
   */
  write(command: Command, options?: { signal?: AbortSignal }): Promise<WriteResult>;
  /**
   * Resolves once the local store reflects every write committed before the
   * call (raft's read index, confirmed by the leader), so a read of the local
   * store after it is linearizable. Servers only.
   */
  barrier(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Restarts session `id`'s TTL on the leader, which keeps the timers;
   * resolves false when the leader has no such session.
   */
  renewSession(id: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  leadership(): LeadershipView;
}
