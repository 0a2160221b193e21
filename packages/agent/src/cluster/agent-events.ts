// What a cluster agent reports as it runs (the CLI prints these as JSON lines).

import type { Server } from '@shoal/raft';
import type { Member } from '../member-view.js';

export interface LeaderChange {
  /** The leader's node name; undefined while there is none. */
  readonly leader: string | undefined;
  readonly raftAddress: string | undefined;
  readonly term: number;
}

export interface ClusterAgentEvents {
  /** A server's raft saw a new leader, or lost it. */
  readonly leader?: (change: LeaderChange) => void;
  /** This server gained (true) or lost (false) leadership. */
  readonly leadership?: (leading: boolean) => void;
  /** This server bootstrapped raft with these voters. */
  readonly bootstrapped?: (servers: readonly Server[]) => void;
  /** Gossip saw an agent join, fail, leave or change its tags. */
  readonly member?: (member: Member) => void;
}
