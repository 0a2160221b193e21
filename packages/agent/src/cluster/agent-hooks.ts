// What a cluster agent takes from the rest of the agent package: the store a
// server replicates (its raft FSM and a read view of its catalog), the codec
// commands travel in, and the HTTP API, which it starts once the replicator
// exists and whose address it then advertises in gossip.

import type { FSM } from '@shoal/raft';
import type { Replicator } from '../replicator.js';
import type { CatalogView } from './catalog-plan.js';
import type { Forwarder } from './forwarder.js';
import type { InternalHandler } from './internal-handler.js';
import type { AgentMember } from './members.js';

/** A server's replicated store. */
export interface ServerStore {
  readonly fsm: FSM;
  readonly catalog: CatalogView;
}

/** What the HTTP API is built from. */
export interface AgentHttpParts {
  readonly replicator: Replicator;
  /** Servers: answers the internal endpoints; mount it under INTERNAL_PATH_PREFIX. */
  readonly internal?: InternalHandler;
  /** Client agents: sends what the agent does not answer itself to a server. */
  readonly forwarder?: Forwarder;
  /** The agents gossip knows, for /v1/agent/members. */
  readonly members: () => readonly AgentMember[];
}

export interface AgentHttpServer {
  /** The bound "host:port" (with the real port when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

/** Starts the agent's HTTP API. */
export type StartAgentHttp = (parts: AgentHttpParts) => Promise<AgentHttpServer>;
