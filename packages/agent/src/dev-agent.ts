// `shoal agent --dev`: one server in one process. An in-memory raft node that
// is its own cluster, the store as its state machine, leader duties, this
// agent's local state with anti-entropy, and the HTTP API. Nothing is kept on
// disk: a restart starts empty, as Consul's dev mode does.
import { hostname } from 'node:os';
import { createRandom, realClock, silentLogger, type Clock, type Logger, type Random } from '@shoal/kit';
import { bootstrapCluster, defaultConfig, InmemNetwork, InmemSnapshotStore, InmemStore, Raft, ServerSuffrage } from '@shoal/raft';
import { MAX_VALUE_BYTES } from './limits.js';
import { createLeaderApply } from './leader-apply.js';
import { AntiEntropy } from './local/anti-entropy.js';
import { LeaderDuties } from './local/leader-duties.js';
import { LocalState } from './local/local-state.js';
import { LockDelays } from './local/lock-delays.js';
import { nodeSpecOf, singleMemberView } from './member-view.js';
import { SingleNodeReplicator } from './raft-replicator.js';
import type { ApiContext } from './http/context.js';
import { startHttpServer } from './http/real-http-server.js';
import { route } from './http/router.js';
import { ROUTES } from './http/routes.js';
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

/** "host:port", "[v6]:port" or ":port" (all interfaces). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new RangeError(`expected host:port, got ${JSON.stringify(text)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function startDevAgent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const clock = options.clock ?? realClock;
  const random = options.random ?? createRandom();
  const logger = options.logger ?? silentLogger;
  const datacenter = options.datacenter ?? 'dc1';
  const nodeName = options.nodeName ?? hostname();
  const nodeId = uuidFrom(random);
  const { host, port } = parseHostPort(options.http ?? '127.0.0.1:8500');
  const raftAddress = `${host}:8300`;

  const store = new StateStore();
  const lockDelays = new LockDelays(clock);
  store.listen(lockDelays);
  const transport = new InmemNetwork(clock).add(raftAddress);
  const logs = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  // Fast timeouts: there is no other server to wait for.
  const config = { ...defaultConfig(), localId: nodeId, heartbeatTimeoutMs: 50, electionTimeoutMs: 50, leaderLeaseTimeoutMs: 50, commitTimeoutMs: 5 };
  await bootstrapCluster({ config, logs, stable: logs, snapshots, transport, configuration: { servers: [{ id: nodeId, address: raftAddress, suffrage: ServerSuffrage.Voter }] } });
  const raft = await Raft.create({ config, fsm: new AgentFsm(store), logs, stable: logs, snapshots, transport, clock, random: random.fork() });

  const replicator = new SingleNodeReplicator(raft, createLeaderApply({ raft, lockDelays }), clock);
  const self = { name: nodeName, id: nodeId, address: host === '0.0.0.0' ? '127.0.0.1' : host, port: 8301, status: 'alive' as const, tags: { role: 'consul', dc: datacenter, id: nodeId, port: '8300', bootstrap: '1' } };
  const members = singleMemberView(self);
  const duties = new LeaderDuties({ store, replicator, members, datacenter, clock, logger });
  const local = new LocalState(clock);
  const antiEntropy = new AntiEntropy({
    local,
    replicator,
    node: nodeSpecOf(self, datacenter),
    clock,
    logger,
    readCatalog: () => ({ node: store.catalog.nodes.get(nodeName), services: store.catalog.servicesOf(nodeName), checks: store.catalog.checksOf(nodeName) }),
  });

  const leadership = raft.leadershipChanges();
  // Not `for await ... break`: that would end the subscription the loop below goes on with.
  while (raft.state !== 'Leader') if ((await leadership.next()).done) throw new Error('raft shut down before electing itself');
  duties.start();
  void (async () => {
    for await (const isLeader of leadership) {
      if (isLeader) duties.start();
      else duties.stop();
    }
  })();
  await duties.reconcileNow();
  antiEntropy.start();
  await antiEntropy.syncNow();

  const ctx: ApiContext = { store, replicator, renewer: duties, local, antiEntropy, members, nodeName, nodeId, datacenter, server: true, clock, random, logger };
  const http = await startHttpServer({ host, port, maxBodyBytes: MAX_VALUE_BYTES, logger, handle: (req) => route(ROUTES, ctx, req) });
  logger.info({ http: http.address, node: nodeName }, 'dev agent started');

  return {
    address: http.address,
    nodeName,
    async close() {
      await http.close();
      antiEntropy.stop();
      duties.stop();
      local.close();
      await raft.shutdown();
    },
  };
}
