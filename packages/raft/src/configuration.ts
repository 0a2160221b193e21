/**
 * Cluster membership: servers and their suffrage (Go's configuration.go).
 * The change rules are in node/rules/configuration-change.ts.
 */
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

/** Go's Stats() rendering of a configuration: `[{Suffrage:Voter ID:a Address:b} ...]`. */
export function formatConfiguration(c: Configuration): string {
  return `[${c.servers.map((s) => `{Suffrage:${suffrageName(s.suffrage)} ID:${s.id} Address:${s.address}}`).join(' ')}]`;
}
