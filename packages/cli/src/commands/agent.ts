/**
 * `shoal agent`: one agent of a cluster (packages/agent, ClusterAgent). The
 * replicated store and the HTTP API belong to the agent's state and HTTP
 * layers; the command takes them as hooks, so it runs whatever store and API
 * it is built with.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { type AgentMember, ClusterAgent, type CommandEncoder, type ServerStore, type StartAgentHttp } from '@shoal/agent';
import { type Metrics, NodeFileSystem } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { signalName, stoppedExitCode } from '../interrupt.js';
import { createCliLogger } from '../logging.js';
import { AGENT_USAGE, type AgentArgs, type HostPort, parseAgentArgs } from './agent-args.js';

/** Prometheus text of everything the agent counts. */
export type MetricsText = () => Promise<{ contentType: string; body: string }>;

/** What `shoal agent` is built with: the store it replicates and the HTTP API it serves. */
export interface AgentCommandHooks {
  /** How commands become raft log entries (the store's codec). */
  readonly encoder: CommandEncoder;
  /** A server's store: its raft FSM and a read view of its catalog. */
  createServerStore(): ServerStore;
  /** The HTTP API on `bind`, serving `metrics` among the rest. */
  http(bind: HostPort, metrics: MetricsText): StartAgentHttp;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

async function readRaftTls(files: NonNullable<AgentArgs['raftTls']>): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  const read = async (flag: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new UsageError(`--${flag}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const [ca, cert, key] = await Promise.all([read('raft-tls-ca', files.ca), read('raft-tls-cert', files.cert), read('raft-tls-key', files.key)]);
  return { ca, cert, key };
}

/** prom-client behind kit's Metrics, with the process's own metrics beside the agent's. */
async function prometheusMetrics(): Promise<{ metrics: Metrics; text: MetricsText }> {
  const [promClient, { createPromClientMetrics }] = await Promise.all([import('prom-client'), import('@shoal/kit/prom-client')]);
  const registry = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: registry });
  return { metrics: createPromClientMetrics(registry), text: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) };
}

/** Reports each member when its status changes (gossip also tells of tag updates, which are not news here). */
function memberReporter(emit: (value: Record<string, unknown>) => void): (m: AgentMember) => void {
  const reported = new Map<string, string>();
  return (m) => {
    if (reported.get(m.name) === m.status) return;
    reported.set(m.name, m.status);
    emit({ event: 'member', node: m.name, status: m.status, role: m.tags.role });
  };
}

export function agentCommandWith(hooks: AgentCommandHooks): Command {
  return {
    name: 'agent',
    summary: 'run one agent of a cluster: gossip, raft on servers, the HTTP API',
    usage: AGENT_USAGE,
    async run(args: string[], io: CommandIO): Promise<number> {
      const opts = parseAgentArgs(args);
      const tls = opts.raftTls !== undefined ? await readRaftTls(opts.raftTls) : undefined;
      // Events from starting up (members met while joining) wait until `ready` is out: it comes first.
      const early: Record<string, unknown>[] = [];
      let started = false;
      const print = (value: Record<string, unknown>): void => io.out(`${JSON.stringify(value)}\n`);
      const emit = (value: Record<string, unknown>): void => void (started ? print(value) : early.push(value));
      const logger = createCliLogger(opts.logLevel, io.err).child({ node: opts.name });
      const dataDir = resolvePath(opts.dataDir);
      const { metrics, text } = await prometheusMetrics();
      let agent: ClusterAgent;
      try {
        await mkdir(dataDir, { recursive: true });
        agent = await ClusterAgent.start({
          name: opts.name,
          datacenter: opts.datacenter,
          dataFs: new NodeFileSystem(dataDir),
          gossip: { bind: opts.bind, ...(opts.advertise ? { advertise: opts.advertise } : {}), ...(opts.key ? { key: opts.key } : {}), profile: opts.profile },
          join: opts.join,
          ...(opts.server
            ? {
                server: {
                  raftBind: opts.raftBind,
                  ...(tls !== undefined ? { tls } : {}),
                  ...(opts.bootstrapExpect !== undefined ? { bootstrapExpect: opts.bootstrapExpect } : {}),
                  store: hooks.createServerStore(),
                },
              }
            : {}),
          encoder: hooks.encoder,
          http: hooks.http(opts.http, text),
          logger,
          metrics,
          events: {
            leader: (change) => emit({ event: 'leader', leader: change.leader ?? null, term: change.term, ...(change.raftAddress ? { addr: change.raftAddress } : {}) }),
            member: memberReporter(emit),
            bootstrapped: (servers) => emit({ event: 'bootstrapped', servers: servers.map((s) => s.id) }),
          },
        });
      } catch (error) {
        io.err(`shoal agent: ${(error as Error).message}\n`);
        return 1;
      }
      const { gossip, http, raft } = agent.addresses;
      print({ event: 'ready', name: agent.name, role: agent.role, datacenter: agent.datacenter, gossip, http, ...(raft !== undefined ? { raft } : {}) });
      started = true;
      for (const value of early) print(value);
      const gossipHost = splitHostPort(gossip)?.host ?? '';
      if (isLoopback(splitHostPort(http)?.host ?? '') && !isLoopback(gossipHost)) {
        logger.warn({ http }, 'the HTTP API listens on loopback only: agents on other hosts cannot forward writes and reads through it; set --http');
      }
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.err(`shoal agent: ${signalName(io.signal)}: leaving the cluster\n`);
      await agent.leave();
      return stoppedExitCode(io.signal);
    },
  };
}
