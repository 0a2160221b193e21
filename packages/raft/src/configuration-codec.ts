/**
 * Go's EncodeConfiguration/DecodeConfiguration bytes (kit's Go-compatible
 * msgpack): {"Servers": [{"Address", "ID", "Suffrage"}...]}, keys sorted,
 * nil for no servers; and the legacy "peers" encoding (an array of voter
 * addresses) still written into snapshot metadata.
 */
import { decode, encode, field, MsgpackDecodeError, struct, t } from '@shoal/kit';
import type { Configuration, Server, ServerAddress } from './configuration.js';
import { ServerSuffrage } from './configuration.js';
import { DecodeError } from './errors.js';

const ServerSchema = struct({
  suffrage: field('Suffrage', t.int),
  id: field('ID', t.str),
  address: field('Address', t.str),
});

const ConfigurationSchema = struct({
  servers: field('Servers', t.array(ServerSchema)),
});

const PeersSchema = t.array(t.bytes);

export function encodeConfiguration(c: Configuration): Uint8Array {
  return encode(ConfigurationSchema, { servers: c.servers.length === 0 ? undefined : c.servers.map((s) => ({ suffrage: s.suffrage, id: s.id, address: s.address })) });
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MsgpackDecodeError) throw new DecodeError(`${what}: ${err.message}`);
    throw err;
  }
}

/** Decodes Go's configuration bytes; garbage throws DecodeError. Unknown keys are skipped. */
export function decodeConfiguration(buf: Uint8Array): Configuration {
  const raw = wrap('configuration', () => decode(ConfigurationSchema, buf));
  const servers: Server[] = (raw.servers ?? []).map((s) => {
    if (s.suffrage !== 0 && s.suffrage !== 1 && s.suffrage !== 2) throw new DecodeError(`configuration: unknown suffrage ${s.suffrage}`);
    return { suffrage: s.suffrage, id: s.id, address: s.address };
  });
  return { servers };
}

/** The legacy peers format (voters' encoded addresses). */
export function encodePeers(c: Configuration, encodePeer: (id: string, address: ServerAddress) => Uint8Array): Uint8Array {
  const voterList = c.servers.filter((s) => s.suffrage === ServerSuffrage.Voter);
  return encode(PeersSchema, voterList.length === 0 ? undefined : voterList.map((s) => encodePeer(s.id, s.address)));
}

/** Decodes the legacy peers format: every peer a voter whose ID is its address. */
export function decodePeers(buf: Uint8Array, decodePeer: (bytes: Uint8Array) => ServerAddress): Configuration {
  const raw = wrap('peers', () => decode(PeersSchema, buf)) ?? [];
  return {
    servers: raw.map((b) => {
      const address = decodePeer(b ?? new Uint8Array(0));
      return { suffrage: ServerSuffrage.Voter, id: address, address };
    }),
  };
}
