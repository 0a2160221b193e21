// `shoal operator raft list-peers`: Consul's table of the raft servers, from
// an agent's GET /v1/operator/raft/configuration.
import { parseOptions } from '../args.js';
import { type Command, type CommandIO } from '../command.js';
import { agentBaseUrl, agentRequest, HTTP_ADDR_OPTION, HTTP_ADDR_USAGE, responseError } from '../consul-http.js';

interface RaftServer {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Leader: boolean;
  readonly ProtocolVersion: string;
  readonly Voter: boolean;
}

const USAGE = `shoal operator raft list-peers [--http-addr HOST:PORT]

Prints the servers in raft's configuration as \`consul operator raft
list-peers\` does: Node, ID, Address, State (leader or follower), Voter and
RaftProtocol, read from GET /v1/operator/raft/configuration on the agent.

${HTTP_ADDR_USAGE}

Exit status: 0 listed; 1 the agent could not be reached or answered with an
error; 2 bad arguments.`;

/** Consul's columns, left-aligned, two spaces apart. */
export function peersTable(servers: readonly RaftServer[]): string {
  const rows = [
    ['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol'],
    ...servers.map((s) => [s.Node, s.ID, s.Address, s.Leader ? 'leader' : 'follower', String(s.Voter), s.ProtocolVersion]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n').concat('\n');
}

export const operatorRaftListPeersCommand: Command = {
  name: 'operator raft list-peers',
  summary: "list raft's servers as an agent sees them, as `consul operator raft list-peers`",
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, HTTP_ADDR_OPTION);
    const base = agentBaseUrl(values['http-addr']);
    try {
      const response = await agentRequest(base, 'GET', '/v1/operator/raft/configuration', { signal: io.signal });
      if (response.status !== 200) throw responseError(response);
      const config = JSON.parse(response.body.toString('utf8')) as { Servers: RaftServer[] };
      io.out(peersTable(config.Servers));
      return 0;
    } catch (error) {
      io.err(`Error getting peers: ${(error as Error).message}\n`);
      return 1;
    }
  },
};
