/**
 * Go's EncodeConfiguration/DecodeConfiguration bytes: a msgpack map
 * {"Servers": [{"Address", "ID", "Suffrage"}...]} with keys in sorted order,
 * and the legacy "peers" encoding (an array of voter addresses).
 */
import type { Configuration, Server, ServerAddress } from './configuration.js';
import { ServerSuffrage } from './configuration.js';
import { DecodeError } from './errors.js';
import { MsgpackReader, MsgpackWriter } from './msgpack-lite.js';

export function encodeConfiguration(c: Configuration): Uint8Array {
  const w = new MsgpackWriter();
  w.mapHeader(1);
  w.str('Servers');
  if (c.servers.length === 0) w.nil();
  else {
    w.arrayHeader(c.servers.length);
    for (const s of c.servers) {
      w.mapHeader(3);
      w.str('Address');
      w.str(s.address);
      w.str('ID');
      w.str(s.id);
      w.str('Suffrage');
      w.int(s.suffrage);
    }
  }
  return w.bytes();
}

/** Decodes Go's configuration bytes; garbage throws DecodeError. Unknown keys are skipped. */
export function decodeConfiguration(buf: Uint8Array): Configuration {
  const r = new MsgpackReader(buf);
  const servers: Server[] = [];
  const fields = r.mapHeader() ?? 0;
  for (let i = 0; i < fields; i++) {
    const key = r.str();
    if (key !== 'Servers') {
      r.skip();
      continue;
    }
    const n = r.arrayHeader() ?? 0;
    for (let j = 0; j < n; j++) servers.push(decodeServer(r));
  }
  return { servers };
}

function decodeServer(r: MsgpackReader): Server {
  const server: Server = { suffrage: ServerSuffrage.Voter, id: '', address: '' };
  const fields = r.mapHeader() ?? 0;
  for (let i = 0; i < fields; i++) {
    const key = r.str();
    if (key === 'Address') server.address = r.str();
    else if (key === 'ID') server.id = r.str();
    else if (key === 'Suffrage') {
      const s = r.int();
      if (s !== 0 && s !== 1 && s !== 2) throw new DecodeError(`configuration: unknown suffrage ${s}`);
      server.suffrage = s;
    } else r.skip();
  }
  return server;
}

/** The legacy peers format (voters' encoded addresses), still written into snapshot metadata. */
export function encodePeers(c: Configuration, encodePeer: (id: string, address: ServerAddress) => Uint8Array): Uint8Array {
  const w = new MsgpackWriter();
  const voterList = c.servers.filter((s) => s.suffrage === ServerSuffrage.Voter);
  if (voterList.length === 0) w.nil();
  else {
    w.arrayHeader(voterList.length);
    for (const s of voterList) w.raw(encodePeer(s.id, s.address));
  }
  return w.bytes();
}

/** Decodes the legacy peers format: every peer a voter whose ID is its address. */
export function decodePeers(buf: Uint8Array, decodePeer: (bytes: Uint8Array) => ServerAddress): Configuration {
  const r = new MsgpackReader(buf);
  const n = r.arrayHeader() ?? 0;
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    const address = decodePeer(r.raw());
    servers.push({ suffrage: ServerSuffrage.Voter, id: address, address });
  }
  return { servers };
}
