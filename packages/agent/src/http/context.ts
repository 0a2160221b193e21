// Everything the handlers use, injected: the store (servers only) or the
// forwarder (client agents), the internal endpoints (servers), the
// replicator, this agent's local state and identity, membership, time and
// randomness.
import type { Clock, Logger, Metrics, Random } from '@shoal/kit';
import type { InternalHandler } from '../cluster/internal-handler.js';
import type { Forwarder } from '../forwarder.js';
import type { AntiEntropy } from '../local/anti-entropy.js';
import type { LocalState } from '../local/local-state.js';
import type { MemberView } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import type { StateStore } from '../state/store.js';

/** Prometheus text of what the agent counts (served at /v1/agent/metrics?format=prometheus). */
export type MetricsText = () => Promise<{ readonly contentType: string; readonly body: string }>;

/** What the dashboard shows beyond the Consul API: this server's raft, and gossip's health score. */
export interface UiSource {
  /** Lifeguard's health score of this agent (0 is healthy); undefined before gossip starts. */
  healthScore(): number | undefined;
  /** Servers: this server's raft as it sees it. */
  raft?(): RaftView;
  /** Servers: the leader's raft as the leader sees it (match indexes included), here or asked of it; undefined with no leader to ask. */
  leaderRaft?(signal: AbortSignal): Promise<RaftView | undefined>;
}

export interface RaftView {
  readonly state: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly leader: string;
  /** matchIndex: known on the leader only. */
  readonly servers: ReadonlyArray<{ readonly id: string; readonly address: string; readonly voter: boolean; readonly matchIndex?: number }>;
}

export interface ApiContext {
  /** Undefined on a client agent: requests it does not answer itself then go to `forwarder`. */
  readonly store?: StateStore;
  readonly forwarder?: Forwarder;
  /** Servers: the internal endpoints (cluster/internal-api.ts). */
  readonly internal?: InternalHandler;
  readonly replicator: Replicator;
  readonly local: LocalState;
  readonly antiEntropy: AntiEntropy;
  readonly members: MemberView;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly datacenter: string;
  readonly server: boolean;
  readonly metricsText?: MetricsText;
  readonly ui?: UiSource;
  /** Where requests are timed, as Consul's consul.api.http{method,path}. */
  readonly metrics?: Metrics;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}
