/**
 * peers.json for manual recovery (Go's ReadPeersJSON, ReadConfigJSON): the
 * operator writes the surviving configuration to a file and the application
 * passes it to recoverCluster. Parsing is separate from reading, so callers
 * without a FileSystem can use it on text they already have.
 */
import { fromUtf8 } from '@shoal/kit';
import type { FileSystem } from '@shoal/kit';
import type { Configuration, Server } from './configuration.js';
import { ServerSuffrage } from './configuration.js';
import { checkConfiguration } from './node/rules/configuration-change.js';
import { DecodeError } from './errors.js';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`peers.json: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The legacy format: an array of addresses; every server is a voter whose ID is its address. */
export function parsePeersJson(text: string): Configuration {
  const json = parseJson(text);
  if (!Array.isArray(json) || !json.every((p) => typeof p === 'string')) throw new DecodeError('peers.json: expected an array of address strings');
  const configuration: Configuration = { servers: json.map((p: string) => ({ suffrage: ServerSuffrage.Voter, id: p, address: p })) };
  checkConfiguration(configuration);
  return configuration;
}

/** The current format: an array of {"id", "address", "non_voter"}. */
export function parseConfigJson(text: string): Configuration {
  const json = parseJson(text);
  if (!Array.isArray(json)) throw new DecodeError('peers.json: expected an array of {"id", "address", "non_voter"}');
  const servers: Server[] = json.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new DecodeError(`peers.json: entry ${i} is not an object`);
    const e = entry as { id?: unknown; address?: unknown; non_voter?: unknown };
    const id = typeof e.id === 'string' ? e.id : '';
    const address = typeof e.address === 'string' ? e.address : '';
    if (e.non_voter !== undefined && typeof e.non_voter !== 'boolean') throw new DecodeError(`peers.json: entry ${i}: non_voter must be a boolean`);
    return { suffrage: e.non_voter === true ? ServerSuffrage.Nonvoter : ServerSuffrage.Voter, id, address };
  });
  const configuration = { servers };
  checkConfiguration(configuration);
  return configuration;
}

export async function readPeersJson(fs: FileSystem, path: string): Promise<Configuration> {
  return parsePeersJson(fromUtf8(await fs.readFile(path)));
}

export async function readConfigJson(fs: FileSystem, path: string): Promise<Configuration> {
  return parseConfigJson(fromUtf8(await fs.readFile(path)));
}
