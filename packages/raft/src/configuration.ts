/**
 * Cluster membership: servers, their suffrage, and the single-server change
 * rules of Go raft (configuration.go). No joint consensus: every change is one
 * new full configuration written as one LogConfiguration entry.
 */
import { ConfigurationError } from './errors.js';
import type { ServerAddress, ServerID } from './ids.js';

export type { ServerAddress, ServerID } from './ids.js';

/** Whether a server votes. Values are written into the log: never renumber. */
export const ServerSuffrage = {
  Voter: 0,
  Nonvoter: 1,
  /** Deprecated in Go; behaves like Nonvoter. */
  Staging: 2,
} as const;
export type ServerSuffrage = (typeof ServerSuffrage)[keyof typeof ServerSuffrage];

export function suffrageName(s: number): string {
  return s === 0 ? 'Voter' : s === 1 ? 'Nonvoter' : s === 2 ? 'Staging' : 'ServerSuffrage';
}

export interface Server {
  suffrage: ServerSuffrage;
  id: ServerID;
  address: ServerAddress;
}

export interface Configuration {
  servers: Server[];
}

/** Membership change commands; values follow Go's ConfigurationChangeCommand. */
export const ConfigurationChangeCommand = {
  AddVoter: 0,
  AddNonvoter: 1,
  DemoteVoter: 2,
  RemoveServer: 3,
  Promote: 4,
} as const;
export type ConfigurationChangeCommand = (typeof ConfigurationChangeCommand)[keyof typeof ConfigurationChangeCommand];

export function changeCommandName(c: number): string {
  return ['AddVoter', 'AddNonvoter', 'DemoteVoter', 'RemoveServer', 'Promote'][c] ?? 'ConfigurationChangeCommand';
}

export interface ConfigurationChangeRequest {
  command: ConfigurationChangeCommand;
  serverId: ServerID;
  /** Only for AddVoter and AddNonvoter. */
  serverAddress: ServerAddress;
  /** Optimistic concurrency: when > 0, the latest configuration must be at this index. */
  prevIndex: number;
}

/** The configuration in force and the one most recently appended (maybe uncommitted). */
export interface Configurations {
  committed: Configuration;
  committedIndex: number;
  latest: Configuration;
  latestIndex: number;
}

export function cloneConfiguration(c: Configuration): Configuration {
  return { servers: c.servers.map((s) => ({ ...s })) };
}

export function cloneConfigurations(c: Configurations): Configurations {
  return {
    committed: cloneConfiguration(c.committed),
    committedIndex: c.committedIndex,
    latest: cloneConfiguration(c.latest),
    latestIndex: c.latestIndex,
  };
}

export function emptyConfigurations(): Configurations {
  return { committed: { servers: [] }, committedIndex: 0, latest: { servers: [] }, latestIndex: 0 };
}

/** True when `id` is a Voter in `c`. */
export function hasVote(c: Configuration, id: ServerID): boolean {
  return c.servers.some((s) => s.id === id && s.suffrage === ServerSuffrage.Voter);
}

export function inConfiguration(c: Configuration, id: ServerID): boolean {
  return c.servers.some((s) => s.id === id);
}

export function voters(c: Configuration): Server[] {
  return c.servers.filter((s) => s.suffrage === ServerSuffrage.Voter);
}

/** Votes needed for a majority of the voters of `c`. */
export function quorumSize(c: Configuration): number {
  return Math.floor(voters(c).length / 2) + 1;
}

function describe(c: Configuration): string {
  return `{[${c.servers.map((s) => `{${suffrageName(s.suffrage)} ${s.id} ${s.address}}`).join(' ')}]}`;
}

/** Rejects empty or duplicate IDs and addresses and a configuration without voters. */
export function checkConfiguration(c: Configuration): void {
  const ids = new Set<ServerID>();
  const addresses = new Set<ServerAddress>();
  let voterCount = 0;
  for (const s of c.servers) {
    if (s.id === '') throw new ConfigurationError(`Empty ID in configuration: ${describe(c)}`);
    if (s.address === '') throw new ConfigurationError(`Empty address in configuration: {${suffrageName(s.suffrage)} ${s.id} }`);
    if (ids.has(s.id)) throw new ConfigurationError(`Found duplicate ID in configuration: ${s.id}`);
    ids.add(s.id);
    if (addresses.has(s.address)) throw new ConfigurationError(`Found duplicate address in configuration: ${s.address}`);
    addresses.add(s.address);
    if (s.suffrage === ServerSuffrage.Voter) voterCount++;
  }
  if (voterCount === 0) throw new ConfigurationError(`Need at least one voter in configuration: ${describe(c)}`);
}

/** The configuration after applying `change` to `current` (written at `currentIndex`). */
export function nextConfiguration(current: Configuration, currentIndex: number, change: ConfigurationChangeRequest): Configuration {
  if (change.prevIndex > 0 && change.prevIndex !== currentIndex) {
    throw new ConfigurationError(`Configuration changed since ${change.prevIndex} (latest is ${currentIndex})`);
  }
  const next = cloneConfiguration(current);
  const at = next.servers.findIndex((s) => s.id === change.serverId);
  const existing = at >= 0 ? next.servers[at] : undefined;
  switch (change.command) {
    case ConfigurationChangeCommand.AddVoter: {
      // Go adds the server as a voter at once (Staging promotion was never implemented).
      const server: Server = { suffrage: ServerSuffrage.Voter, id: change.serverId, address: change.serverAddress };
      if (existing === undefined) next.servers.push(server);
      else if (existing.suffrage === ServerSuffrage.Voter) existing.address = change.serverAddress;
      else next.servers[at] = server;
      break;
    }
    case ConfigurationChangeCommand.AddNonvoter: {
      const server: Server = { suffrage: ServerSuffrage.Nonvoter, id: change.serverId, address: change.serverAddress };
      if (existing === undefined) next.servers.push(server);
      else if (existing.suffrage !== ServerSuffrage.Nonvoter) existing.address = change.serverAddress;
      else next.servers[at] = server;
      break;
    }
    case ConfigurationChangeCommand.DemoteVoter:
      if (existing !== undefined) existing.suffrage = ServerSuffrage.Nonvoter;
      break;
    case ConfigurationChangeCommand.RemoveServer:
      if (at >= 0) next.servers.splice(at, 1);
      break;
    case ConfigurationChangeCommand.Promote:
      if (existing !== undefined && existing.suffrage === ServerSuffrage.Staging) existing.suffrage = ServerSuffrage.Voter;
      break;
    default:
      throw new ConfigurationError(`unknown configuration change command ${String(change.command)}`);
  }
  checkConfiguration(next);
  return next;
}

/** Go's Stats() rendering of a configuration: `[{Suffrage:Voter ID:a Address:b} ...]`. */
export function formatConfiguration(c: Configuration): string {
  return `[${c.servers.map((s) => `{Suffrage:${suffrageName(s.suffrage)} ID:${s.id} Address:${s.address}}`).join(' ')}]`;
}
