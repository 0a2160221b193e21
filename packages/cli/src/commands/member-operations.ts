import { fromUtf8, type Logger, type Metrics, noopMetrics } from '@shoal/kit';
import { ipPortString, type Memberlist, stateName } from '@shoal/memberlist';
import type { Registry } from 'prom-client';
import type { CommandIO } from '../command.js';
import { createCliLogger, type LogLevelOption } from '../logging.js';
import { type MemberHttpServer, type MemberView, startMemberHttp } from '../member-http.js';

/** What `shoal member` offers an operator: logs on stderr, and with --http the members and metrics over HTTP. */
export interface MemberOperations {
  logger: Logger;
  /** prom-client backed with --http (served on /metrics); discarded without. */
  metrics: Metrics;
  /** Starts the HTTP server for `list`, if --http was given; resolves its bound address. */
  serve(list: Memberlist): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function memberOperations(options: { logLevel: LogLevelOption; http?: { host: string; port: number } }, io: CommandIO): Promise<MemberOperations> {
  const logger = createCliLogger(options.logLevel, io.err);
  let registry: Registry | undefined;
  let metrics: Metrics = noopMetrics;
  if (options.http) {
    // Loaded only with --http: every other `shoal` run starts without prom-client.
    const [promClient, { createPromClientMetrics }] = await Promise.all([import('prom-client'), import('@shoal/kit/prom-client')]);
    registry = new promClient.Registry();
    // Process metrics (memory, CPU, event-loop lag) beside shoal's: the first thing to look at when a node misbehaves.
    promClient.collectDefaultMetrics({ register: registry });
    metrics = createPromClientMetrics(registry);
  }
  let server: MemberHttpServer | undefined;
  return {
    logger,
    metrics,
    async serve(list) {
      if (!options.http || !registry) return undefined;
      server = await startMemberHttp(options.http.host, options.http.port, {
        members: () => memberViews(list),
        metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      });
      return server.address;
    },
    async close() {
      await server?.close();
    },
  };
}

/** Every member the node knows of, the dead and left ones too until they are reaped. */
export function memberViews(list: Memberlist): MemberView[] {
  return list.allNodes().map(({ node, incarnation }) => ({
    name: node.name,
    address: ipPortString(node.addr, node.port),
    state: stateName(node.state),
    incarnation,
    meta: fromUtf8(node.meta),
  }));
}
