// A three-member key-value cluster on loopback as the bench sees it, whichever system runs it.
import type { KvImpl } from './args.js';

export interface KvCluster {
  readonly impl: KvImpl;
  /** host:port of each member's HTTP API, the clients spread round-robin over them. */
  readonly endpoints: readonly string[];
  /** The endpoint of the leader when the cluster started. */
  readonly leader: string;
  /** Each member's process id, by endpoint. */
  readonly pids: Readonly<Record<string, number>>;
  /** Stops every member; bounded. */
  stop(): Promise<void>;
}
