// What every agent serves, whatever its role: its own services and checks
// (local state), anti-entropy copying them into the catalog, and the HTTP
// API over both and over the role's replicator and store (or forwarder).
// The dev agent and the cluster agent each start one.
import type { Clock, Logger, Metrics, Random } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import type { InternalHandler } from './cluster/internal-handler.js';
import type { Forwarder } from './forwarder.js';
import { startAgentHttp } from './http/agent-http.js';
import type { ApiContext, MetricsText, UiSource } from './http/context.js';
import { AntiEntropy } from './local/anti-entropy.js';
import { LocalState } from './local/local-state.js';
import { nodeSpecOf, type MemberView } from './member-view.js';
import type { Replicator } from './replicator.js';
import type { StateStore } from './state/store.js';

export interface AgentApiOptions {
  /** "host:port" the HTTP API listens on (port 0: any free port). */
  readonly http: string;
  readonly members: MemberView;
  readonly replicator: Replicator;
  /** Servers. */
  readonly store?: StateStore;
  readonly internal?: InternalHandler;
  /** Client agents. */
  readonly forwarder?: Forwarder;
  readonly metricsText?: MetricsText;
  readonly ui?: UiSource;
  /** Where the API counts its requests (consul.api.http). Default: nowhere. */
  readonly metrics?: Metrics;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

export interface AgentApi {
  /** The bound "host:port" (the real port when 0 was asked for). */
  readonly address: string;
  readonly local: LocalState;
  /** Not started: the agent starts it once writes can reach a leader. */
  readonly antiEntropy: AntiEntropy;
  close(): Promise<void>;
}

export async function startAgentApi(options: AgentApiOptions): Promise<AgentApi> {
  const { members, replicator, store, clock, logger } = options;
  const bind = splitHostPort(options.http);
  if (bind === undefined) throw new RangeError(`expected host:port for the HTTP API, got ${JSON.stringify(options.http)}`);
  const self = members.self();
  const local = new LocalState(clock);
  const antiEntropy = new AntiEntropy({ local, replicator, node: nodeSpecOf(self), clock, logger, ...(store !== undefined ? { catalog: store.catalog } : {}) });
  const ctx: ApiContext = {
    ...(store !== undefined ? { store } : {}),
    ...(options.internal !== undefined ? { internal: options.internal } : {}),
    ...(options.forwarder !== undefined ? { forwarder: options.forwarder } : {}),
    ...(options.metricsText !== undefined ? { metricsText: options.metricsText } : {}),
    ...(options.ui !== undefined ? { ui: options.ui } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    replicator,
    local,
    antiEntropy,
    members,
    nodeName: self.name,
    nodeId: self.tags.nodeId,
    datacenter: self.tags.datacenter,
    server: store !== undefined,
    clock,
    random: options.random,
    logger,
  };
  const http = await startAgentHttp(ctx, { host: bind.host || '0.0.0.0', port: bind.port });
  return {
    address: http.address,
    local,
    antiEntropy,
    async close() {
      antiEntropy.stop();
      local.close();
      await http.close();
    },
  };
}
