import { get } from 'node:http';
import { splitHostPort } from '@shoal/memberlist';
import { parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { agentBaseUrl, agentRequest, HTTP_ADDR_OPTION, HTTP_ADDR_USAGE, responseError } from '../consul-http.js';
import { MEMBERS_PATH, type MemberView } from '../member-http.js';

const TIMEOUT_MS = 5_000;

const USAGE = `shoal members --http HOST:PORT [--json]
       shoal members [--http-addr HOST:PORT] [--json]

Lists the members a running \`shoal member --http HOST:PORT\` knows of, as it
sees them: name, address, state (alive, suspect, dead or left), incarnation
and metadata. Reads GET ${MEMBERS_PATH} on that address.

Without --http, lists the members a \`shoal agent\` sees, as \`consul members\`
does (Node, Address, Status, Type, Build, Protocol, DC), from its
GET /v1/agent/members.

  --http HOST:PORT  a \`shoal member\` node's --http address
${HTTP_ADDR_USAGE}
  --json            print the endpoint's JSON array as it is (default: a table)

Exit status: 0 listed; 1 the node did not answer within ${TIMEOUT_MS / 1000} s or answered
with an error; 2 bad arguments.`;

export const membersCommand: Command = {
  name: 'members',
  summary: 'list the members a running `shoal member --http` node sees',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, { http: { type: 'string' }, ...HTTP_ADDR_OPTION, json: { type: 'boolean', default: false } });
    if (values.http !== undefined && values['http-addr'] !== undefined) throw new UsageError('--http (a shoal member node) and --http-addr (an agent) do not go together');
    if (values.http === undefined) return agentMembers(agentBaseUrl(values['http-addr']), values.json === true, io);
    const hp = splitHostPort(values.http);
    if (!hp || hp.host === '' || hp.port === 0) throw new UsageError(`--http must be HOST:PORT, got '${values.http}'`);
    const url = `http://${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:${hp.port}${MEMBERS_PATH}`;
    let members: MemberView[];
    try {
      members = JSON.parse(await getText(url, io.signal)) as MemberView[];
    } catch (error) {
      io.err(`shoal members: ${url}: ${(error as Error).message}\n`);
      return 1;
    }
    io.out(values.json ? `${JSON.stringify(members)}\n` : table(members));
    return 0;
  },
};

/**
 * GETs `url`'s body as text within TIMEOUT_MS. node:http rather than fetch:
 * fetch refuses the Fetch standard's "bad ports" (6000, 6665-6669, 10080, ...),
 * any of which an operator may have given --http.
 */
function getText(url: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`HTTP ${response.statusCode} ${response.statusMessage}: ${body.trim()}`));
      });
    });
    request.on('error', (error: Error & { code?: string }) => {
      reject(error.name === 'AbortError' && !signal.aborted ? new Error(`no answer within ${TIMEOUT_MS / 1000} s`) : error);
    });
  });
}

interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Status: number;
  readonly Tags: Readonly<Record<string, string>>;
}

/** Serf's member status numbers, as /v1/agent/members gives them. */
const STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];

async function agentMembers(base: string, json: boolean, io: CommandIO): Promise<number> {
  let members: AgentMember[];
  try {
    const response = await agentRequest(base, 'GET', '/v1/agent/members', { signal: io.signal });
    if (response.status !== 200) throw responseError(response);
    members = JSON.parse(response.body.toString('utf8')) as AgentMember[];
  } catch (error) {
    io.err(`Error retrieving members: ${(error as Error).message}\n`);
    return 1;
  }
  if (json) {
    io.out(`${JSON.stringify(members)}\n`);
    return 0;
  }
  const rows = [
    ['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC'],
    ...[...members]
      .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
      .map((m) => [
        m.Name,
        `${m.Addr.includes(':') ? `[${m.Addr}]` : m.Addr}:${m.Port}`,
        STATUS[m.Status] ?? String(m.Status),
        m.Tags.role === 'consul' ? 'server' : 'client',
        m.Tags.build ?? 'shoal',
        m.Tags.vsn ?? '2',
        m.Tags.dc ?? '',
      ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.out(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n').concat('\n'));
  return 0;
}

function table(members: readonly MemberView[]): string {
  const header = { name: 'NAME', address: 'ADDRESS', state: 'STATE', incarnation: 'INC', meta: 'META' };
  const rows = [header, ...members.map((m) => ({ ...m, incarnation: String(m.incarnation) }))];
  const width = (key: keyof typeof header): number => Math.max(...rows.map((r) => r[key].length));
  const widths = { name: width('name'), address: width('address'), state: width('state'), incarnation: width('incarnation') };
  return rows
    .map((r) => `${r.name.padEnd(widths.name)}  ${r.address.padEnd(widths.address)}  ${r.state.padEnd(widths.state)}  ${r.incarnation.padStart(widths.incarnation)}  ${r.meta}`.trimEnd())
    .join('\n')
    .concat('\n');
}
