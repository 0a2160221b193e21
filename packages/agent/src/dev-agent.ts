// `shoal agent --dev`: one server in one process. It is a cluster's server
// role (cluster/server-role.ts: the replicator, the leader's side of writes,
// the leader's duties) on an in-memory raft node that is its own cluster's
// only voter, over a membership of one, with this agent's local state and
// the HTTP API. Nothing is kept on disk: a restart starts empty, as Consul's
// dev mode does.
import { hostname } from 'node:os';
import { createRandom, noopMetrics, realClock, silentLogger, type Clock, type Logger, type Metrics, type Random } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import { bootstrapCluster, defaultConfig, InmemNetwork, InmemSnapshotStore, InmemStore, Raft, ServerSuffrage } from '@shoal/raft';
import { startAgentApi } from './agent-api.js';
import type { AgentTags } from './cluster/agent-tags.js';
import { DEFAULT_CLUSTER_TIMING } from './cluster/cluster-timing.js';
import { HttpInternalClient } from './cluster/real-internal-client.js';
import { serverDirectory } from './cluster/server-directory.js';
import { ServerRole } from './cluster/server-role.js';
import type { MetricsText } from './http/context.js';
import { LockDelays } from './leader/lock-delays.js';
import type { Member, MemberView } from './member-view.js';
import { AgentFsm } from './state/fsm.js';
import { StateStore } from './state/store.js';
import { uuidFrom } from './uuid.js';

export interface DevAgentOptions {
  /** Where the HTTP API listens, "host:port" (port 0: any free port). Default "127.0.0.1:8500", Consul's. */
  readonly http?: string;
  /** Default: this machine's host name. */
  readonly nodeName?: string;
  /** Default "dc1". */
  readonly datacenter?: string;
  readonly logger?: Logger;
  /** Where the agent counts (raft's and the leader's metrics). Default: nowhere. */
  readonly metrics?: Metrics;
  /** Prometheus text of `metrics`, served at /v1/agent/metrics?format=prometheus. */
  readonly metricsText?: MetricsText;
  /** Default: the real clock. */
  readonly clock?: Clock;
  /** Draws node and session IDs. Default: seeded from the OS. */
  readonly random?: Random;
}

export interface DevAgent {
  /** The HTTP API's "host:port", as bound. */
  readonly address: string;
  readonly nodeName: string;
  close(): Promise<void>;
}

/** The raft address dev mode's in-memory network knows this server by (Consul's server port). */
const DEV_RAFT_PORT = 8300;
/** The gossip port /v1/agent/members shows (there is no gossip in dev mode). */
const DEV_GOSSIP_PORT = 8301;

export async function startDevAgent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const clock = options.clock ?? realClock;
  const random = options.random ?? createRandom();
  const logger = options.logger ?? silentLogger;
  const datacenter = options.datacenter ?? 'dc1';
  const nodeName = options.nodeName ?? hostname();
  const http = options.http ?? '127.0.0.1:8500';
  const bind = splitHostPort(http);
  if (bind === undefined) throw new RangeError(`expected host:port, got ${JSON.stringify(http)}`);
  const host = bind.host === '' || bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host;
  const raftAddress = `${host}:${DEV_RAFT_PORT}`;

  const store = new StateStore();
  const lockDelays = new LockDelays(clock);
  store.listen(lockDelays);
  const transport = new InmemNetwork(clock).add(raftAddress);
  const logs = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  // Fast timeouts: there is no other server to wait for. The raft ID is the node name, as in a cluster.
  const metrics = options.metrics ?? noopMetrics;
  const config = { ...defaultConfig(), localId: nodeName, logger: logger.child({ component: 'raft' }), metrics, heartbeatTimeoutMs: 50, electionTimeoutMs: 50, leaderLeaseTimeoutMs: 50, commitTimeoutMs: 5 };
  await bootstrapCluster({ config, logs, stable: logs, snapshots, transport, configuration: { servers: [{ id: nodeName, address: raftAddress, suffrage: ServerSuffrage.Voter }] } });
  const raft = await Raft.create({ config, fsm: new AgentFsm(store), logs, stable: logs, snapshots, transport, clock, random: random.fork() });

  let tags: AgentTags = { role: 'server', datacenter, nodeId: uuidFrom(random), httpAddress: '', raftAddress };
  const self = (): Member => ({ name: nodeName, address: host, port: DEV_GOSSIP_PORT, status: 'alive', tags });
  const members: MemberView = { self, members: () => [self()], onChange: () => () => {} };
  const timing = DEFAULT_CLUSTER_TIMING;
  const role = new ServerRole(
    {
      name: nodeName,
      datacenter,
      timing,
      clock,
      logger,
      metrics,
      directory: serverDirectory(() => members.members(), datacenter),
      // Never used: a server of one has no other server to send to.
      client: new HttpInternalClient(clock),
      members,
      tags: () => tags,
    },
    { raftNode: { raft, address: raftAddress, hadState: true, close: () => raft.shutdown() }, store, lockDelays, bootstrapExpect: undefined, membersSettled: () => true, events: {} },
  );

  // Wait for the election; the role follows leadership from then on.
  const leadership = raft.leadershipChanges();
  while (raft.state !== 'Leader') if ((await leadership.next()).done) throw new Error('raft shut down before electing itself');
  await leadership.return?.();
  role.start();
  // The node and its serfHealth check are in the catalog before this resolves, so sessions can be created at once.
  await role.reconcileNow();

  const api = await startAgentApi({
    http,
    members,
    replicator: role.replicator,
    store,
    internal: role.internal,
    ...(options.metricsText !== undefined ? { metricsText: options.metricsText } : {}),
    metrics,
    clock,
    random,
    logger,
  });
  tags = { ...tags, httpAddress: api.address };
  api.antiEntropy.start();
  await api.antiEntropy.syncNow();
  logger.info({ http: api.address, node: nodeName }, 'dev agent started');

  return {
    address: api.address,
    nodeName,
    async close() {
      await api.close();
      await role.close();
    },
  };
}
