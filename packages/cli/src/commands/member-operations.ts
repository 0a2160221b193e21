import { fromUtf8, type Logger, type Metrics, noopMetrics } from '@shoal/kit';
import { createPromClientMetrics } from '@shoal/kit/prom-client';
import { ipPortString, type Memberlist, stateName } from '@shoal/memberlist';
import { collectDefaultMetrics, Registry } from 'prom-client';
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

export function memberOperations(options: { logLevel: LogLevelOption; http?: { host: string; port: number } }, io: CommandIO): MemberOperations {
  const logger = createCliLogger(options.logLevel, io.err);
  const registry = options.http ? new Registry() : undefined;
  // Process metrics (memory, CPU, event-loop lag) beside shoal's: the first thing to look at when a node misbehaves.
  if (registry) collectDefaultMetrics({ register: registry });
  let server: MemberHttpServer | undefined;
  return {
    logger,
    metrics: registry ? createPromClientMetrics(registry) : noopMetrics,
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
