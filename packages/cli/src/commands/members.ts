import { get } from 'node:http';
import { splitHostPort } from '@shoal/memberlist';
import { parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { MEMBERS_PATH, type MemberView } from '../member-http.js';

const TIMEOUT_MS = 5_000;

const USAGE = `shoal members --http HOST:PORT [--json]

Lists the members a running \`shoal member --http HOST:PORT\` knows of, as it
sees them: name, address, state (alive, suspect, dead or left), incarnation
and metadata. Reads GET ${MEMBERS_PATH} on that address.

  --http HOST:PORT  the node's --http address (required)
  --json            print the endpoint's JSON array as it is (default: a table)

Exit status: 0 listed; 1 the node did not answer within ${TIMEOUT_MS / 1000} s or answered
with an error; 2 bad arguments.`;

export const membersCommand: Command = {
  name: 'members',
  summary: 'list the members a running `shoal member --http` node sees',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, { http: { type: 'string' }, json: { type: 'boolean', default: false } });
    if (values.http === undefined) throw new UsageError('--http HOST:PORT is required');
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
