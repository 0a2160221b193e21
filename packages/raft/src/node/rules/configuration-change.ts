/**
 * Membership changes as pure rules (Go's configuration.go, checkConfiguration
 * and nextConfiguration): one server at a time, no joint consensus; every
 * change is one new full configuration written as one LogConfiguration
 * entry, and every configuration must be well formed.
 */
import type { Configuration, ConfigurationChangeRequest, Server } from '../../configuration.js';
import { cloneConfiguration, ConfigurationChangeCommand, ServerSuffrage, suffrageName } from '../../configuration.js';
import { ConfigurationError } from '../../errors.js';
import type { ServerAddress, ServerID } from '../../ids.js';

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

