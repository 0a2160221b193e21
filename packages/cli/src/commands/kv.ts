// `shoal kv get|put|delete`: Consul's `consul kv` as a thin client of an
// agent's /v1/kv endpoint, with its output and exit codes.
import { intOption, parseCommandArgs } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { agentBaseUrl, agentRequest, HTTP_ADDR_OPTION, HTTP_ADDR_USAGE, keyPath, responseError } from '../consul-http.js';

const EXIT = `Exit status: 0 done; 1 the key is missing, a check-and-set or lock failed, or
the agent could not be reached or answered with an error; 2 bad arguments.`;

interface KvPair {
  readonly Key: string;
  readonly Value: string | null;
}

function positionals(args: string[], count: { min: number; max: number }, what: string): string[] {
  if (args.length < count.min) throw new UsageError(`${what} is required`, { showUsage: true });
  if (args.length > count.max) throw new UsageError(`unexpected argument '${args[count.max]}'`);
  return args;
}

/** Runs `work`, printing a failure to reach the agent or an error answer as Consul's CLI does, with exit 1. */
async function reporting(io: CommandIO, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    io.err(`Error! ${(error as Error).message}\n`);
    return 1;
  }
}

const decode = (value: string | null): string => (value === null ? '' : Buffer.from(value, 'base64').toString('utf8'));

const GET_USAGE = `shoal kv get KEY [--recurse] [--keys] [--http-addr HOST:PORT]

Prints the value at KEY as it is, as \`consul kv get\` does. With --recurse,
every key under the prefix KEY as KEY:VALUE lines; with --keys, the keys and
folders (up to the next '/') directly under the prefix KEY, one a line.

  --recurse        every key under the prefix KEY, with its value (default: KEY only)
  --keys           the keys under the prefix KEY, without values (default: off)
${HTTP_ADDR_USAGE}

A missing KEY prints "Error! No key exists at: KEY". ${EXIT}`;

export const kvGetCommand: Command = {
  name: 'kv get',
  summary: "print a key's value (or keys under a prefix) from an agent, as `consul kv get`",
  usage: GET_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals: rest } = parseCommandArgs(args, { ...HTTP_ADDR_OPTION, recurse: { type: 'boolean', default: false }, keys: { type: 'boolean', default: false } });
    if (values.recurse && values.keys) throw new UsageError('--recurse and --keys do not go together');
    const [key] = values.recurse || values.keys ? positionals(rest, { min: 0, max: 1 }, 'KEY') : positionals(rest, { min: 1, max: 1 }, 'KEY');
    const base = agentBaseUrl(values['http-addr']);
    const prefix = key ?? '';
    return reporting(io, async () => {
      const query = values.keys ? '?keys&separator=/' : values.recurse ? '?recurse' : '';
      const response = await agentRequest(base, 'GET', `/v1/kv/${keyPath(prefix)}${query}`, { signal: io.signal });
      if (response.status === 404) {
        if (values.keys || values.recurse) return 0;
        io.err(`Error! No key exists at: ${prefix}\n`);
        return 1;
      }
      if (response.status !== 200) throw responseError(response);
      const parsed = JSON.parse(response.body.toString('utf8')) as unknown;
      if (values.keys) io.out((parsed as string[]).map((k) => `${k}\n`).join(''));
      else if (values.recurse) io.out((parsed as KvPair[]).map((p) => `${p.Key}:${decode(p.Value)}\n`).join(''));
      else io.out(`${decode((parsed as KvPair[])[0]!.Value)}\n`);
      return 0;
    });
  },
};

const PUT_USAGE = `shoal kv put KEY [VALUE] [--cas INDEX] [--flags N] [--acquire SESSION] [--http-addr HOST:PORT]

Writes VALUE (default empty) at KEY, as \`consul kv put\` does, and prints
"Success! Data written to: KEY".

  --cas INDEX      check-and-set: write only if the key's ModifyIndex is still
                   INDEX (0: only if the key does not exist) (default: a plain write)
  --flags N        an unsigned 64-bit number stored with the key (default 0)
  --acquire SESSION
                   write only by taking the key's lock for SESSION; prints
                   "Success! Lock acquired on: KEY" (default: a plain write)
${HTTP_ADDR_USAGE}

A refused check-and-set prints "Error! Did not write to KEY: CAS failed", a
lock held by another session "Error! Did not acquire lock". ${EXIT}`;

export const kvPutCommand: Command = {
  name: 'kv put',
  summary: 'write a key through an agent, as `consul kv put` (check-and-set, flags, locks)',
  usage: PUT_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals: rest } = parseCommandArgs(args, {
      ...HTTP_ADDR_OPTION,
      cas: { type: 'string' },
      flags: { type: 'string' },
      acquire: { type: 'string' },
    });
    const [key, value = ''] = positionals(rest, { min: 1, max: 2 }, 'KEY');
    if (key === '') throw new UsageError('KEY must not be empty');
    const cas = intOption('cas', values.cas, undefined, 0);
    if (values.flags !== undefined && !/^\d+$/.test(values.flags)) throw new UsageError(`--flags must be an unsigned integer, got '${values.flags}'`);
    if (values.flags !== undefined && BigInt(values.flags) >= 2n ** 64n) throw new UsageError(`--flags must be below 2^64, got '${values.flags}'`);
    if (values.acquire === '') throw new UsageError('--acquire must name a session');
    if (values.acquire !== undefined && cas !== undefined) throw new UsageError('--acquire and --cas do not go together');
    const base = agentBaseUrl(values['http-addr']);
    const query = new URLSearchParams();
    if (cas !== undefined) query.set('cas', String(cas));
    if (values.flags !== undefined) query.set('flags', values.flags);
    if (values.acquire !== undefined) query.set('acquire', values.acquire);
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return reporting(io, async () => {
      const response = await agentRequest(base, 'PUT', `/v1/kv/${keyPath(key!)}${search}`, { body: value, signal: io.signal });
      if (response.status !== 200) throw responseError(response);
      const ok = response.body.toString('utf8').trim() === 'true';
      if (values.acquire !== undefined) {
        if (!ok) throw new Error('Did not acquire lock');
        io.out(`Success! Lock acquired on: ${key}\n`);
      } else {
        if (!ok) throw new Error(`Did not write to ${key}: CAS failed`);
        io.out(`Success! Data written to: ${key}\n`);
      }
      return 0;
    });
  },
};

const DELETE_USAGE = `shoal kv delete KEY [--recurse] [--cas INDEX] [--http-addr HOST:PORT]

Deletes KEY, as \`consul kv delete\` does, and prints "Success! Deleted key: KEY"
(deleting a missing key succeeds too).

  --recurse        delete every key under the prefix KEY (default: KEY only)
  --cas INDEX      delete only if the key's ModifyIndex is still INDEX (default:
                   delete whatever the index)
${HTTP_ADDR_USAGE}

A refused check-and-set prints "Error! Did not delete key KEY: CAS failed". ${EXIT}`;

export const kvDeleteCommand: Command = {
  name: 'kv delete',
  summary: 'delete a key (or a prefix) through an agent, as `consul kv delete`',
  usage: DELETE_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals: rest } = parseCommandArgs(args, {
      ...HTTP_ADDR_OPTION,
      recurse: { type: 'boolean', default: false },
      cas: { type: 'string' },
    });
    const [key = ''] = values.recurse ? positionals(rest, { min: 0, max: 1 }, 'KEY') : positionals(rest, { min: 1, max: 1 }, 'KEY');
    if (!values.recurse && key === '') throw new UsageError('KEY must not be empty');
    const cas = intOption('cas', values.cas, undefined, 0);
    if (values.recurse && cas !== undefined) throw new UsageError('--recurse and --cas do not go together');
    const base = agentBaseUrl(values['http-addr']);
    const search = values.recurse ? '?recurse' : cas !== undefined ? `?cas=${cas}` : '';
    return reporting(io, async () => {
      const response = await agentRequest(base, 'DELETE', `/v1/kv/${keyPath(key)}${search}`, { signal: io.signal });
      if (response.status !== 200) throw responseError(response);
      if (response.body.toString('utf8').trim() !== 'true') throw new Error(`Did not delete key ${key}: CAS failed`);
      io.out(values.recurse ? `Success! Deleted keys with prefix: ${key}\n` : `Success! Deleted key: ${key}\n`);
      return 0;
    });
  },
};
