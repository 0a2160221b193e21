/**
 * `shoal agent`: one agent of a cluster (packages/agent, ClusterAgent), or
 * with --dev one server alone in memory (startDevAgent). Prints what happens
 * as JSON lines on standard output, logs on standard error, and leaves the
 * cluster gracefully on SIGTERM or SIGINT.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ClusterAgent, type Member, type MetricsText, startDevAgent } from '@shoal/agent';
import { type Logger, type Metrics, NodeFileSystem } from '@shoal/kit';
import { joinHostPort, splitHostPort } from '@shoal/memberlist';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { signalName, stoppedExitCode } from '../interrupt.js';
import { createCliLogger } from '../logging.js';
import { AGENT_USAGE, type ClusterAgentArgs, type DevAgentArgs, parseAgentArgs } from './agent-args.js';

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

async function readRaftTls(files: NonNullable<ClusterAgentArgs['raftTls']>): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
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
function memberReporter(emit: (value: Record<string, unknown>) => void): (m: Member) => void {
  const reported = new Map<string, string>();
  return (m) => {
    if (reported.get(m.name) === m.status) return;
    reported.set(m.name, m.status);
    emit({ event: 'member', node: m.name, status: m.status, role: m.tags.role });
  };
}

function untilSignal(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function runDev(opts: DevAgentArgs, io: CommandIO, logger: Logger): Promise<number> {
  if (opts.dataDir !== undefined) logger.warn({ dataDir: opts.dataDir }, 'dev mode keeps nothing on disk: --data-dir is not used');
  const { metrics, text } = await prometheusMetrics();
  let agent;
  try {
    agent = await startDevAgent({ http: joinHostPort(opts.http.host, opts.http.port), datacenter: opts.datacenter, logger, metrics, metricsText: text, ...(opts.name !== undefined ? { nodeName: opts.name } : {}) });
  } catch (error) {
    io.err(`shoal agent: ${(error as Error).message}\n`);
    return 1;
  }
  io.out(`${JSON.stringify({ event: 'ready', name: agent.nodeName, role: 'server', mode: 'dev', datacenter: opts.datacenter, http: agent.address })}\n`);
  await untilSignal(io.signal);
  io.err(`shoal agent: ${signalName(io.signal)}: stopping\n`);
  await agent.close();
  return stoppedExitCode(io.signal);
}

async function runCluster(opts: ClusterAgentArgs, io: CommandIO, logger: Logger): Promise<number> {
  const tls = opts.raftTls !== undefined ? await readRaftTls(opts.raftTls) : undefined;
  // Events from starting up (members met while joining) wait until `ready` is out: it comes first.
  const early: Record<string, unknown>[] = [];
  let started = false;
  const print = (value: Record<string, unknown>): void => io.out(`${JSON.stringify(value)}\n`);
  const emit = (value: Record<string, unknown>): void => void (started ? print(value) : early.push(value));
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
            },
          }
        : {}),
      http: joinHostPort(opts.http.host, opts.http.port),
      metricsText: text,
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
  await untilSignal(io.signal);
  io.err(`shoal agent: ${signalName(io.signal)}: leaving the cluster\n`);
  await agent.leave();
  return stoppedExitCode(io.signal);
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run one agent of a cluster (gossip, raft on servers, Consul\'s HTTP API), or --dev: one server in memory',
  usage: AGENT_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const opts = parseAgentArgs(args);
    const logger = createCliLogger(opts.logLevel, io.err);
    if (opts.mode === 'dev') return runDev(opts, io, logger.child({ node: opts.name ?? 'dev' }));
    return runCluster(opts, io, logger.child({ node: opts.name }));
  },
};
