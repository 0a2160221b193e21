// Whether a server started with --bootstrap-expect N bootstraps raft now, and
// with which servers. Pure: the members it sees and its own state in, a
// decision out.
//
// A server with no raft state bootstraps once it sees at least N alive
// servers of its datacenter, none with raft state, none expecting a
// different N. The configuration is every such server, sorted by name, as
// voters: servers that see the same members compute the same configuration,
// and bootstrapping the same configuration on several servers is safe (raft
// starts them all from the same first entry). Start exactly N servers: with
// more, two of them seeing different subsets could bootstrap two clusters
// (Consul has the same caveat).
//
// Servers advertise whether they hold raft state in their tags, so a fresh
// server that meets an existing cluster waits to be added by its leader.

import { ServerSuffrage, type Server } from '@shoal/raft';
import type { AgentTags } from './agent-tags.js';
import { aliveServers, type Member } from '../member-view.js';

export type BootstrapDecision =
  /** Bootstrap raft with these voters. */
  | { readonly action: 'bootstrap'; readonly servers: readonly Server[] }
  /** Not yet: too few servers. Checked again as members come. */
  | { readonly action: 'wait'; readonly reason: string }
  /** Something the operator should know stops it (logged); checked again as members change. */
  | { readonly action: 'refuse'; readonly reason: string }
  /** Bootstrapping is not this server's business (no expect value, or it already has state). */
  | { readonly action: 'none'; readonly reason: string };

export interface BootstrapInput {
  readonly selfName: string;
  readonly selfTags: AgentTags;
  /** Whether this server's raft already holds state (checked against the stores, not the tags). */
  readonly selfHasState: boolean;
  /** Every member this server knows, itself included. */
  readonly members: readonly Member[];
}

export function decideBootstrap({ selfName, selfTags, selfHasState, members }: BootstrapInput): BootstrapDecision {
  const expect = selfTags.bootstrapExpect;
  if (selfTags.role !== 'server' || expect === undefined) return { action: 'none', reason: 'not started with --bootstrap-expect' };
  if (selfHasState) return { action: 'none', reason: 'raft already has state' };
  const servers = aliveServers(members, selfTags.datacenter);
  if (!servers.some((s) => s.name === selfName)) return { action: 'wait', reason: 'this server is not in its own member list yet' };

  const disagreeing = servers.filter((s) => s.tags.bootstrapExpect !== undefined && s.tags.bootstrapExpect !== expect);
  if (disagreeing.length > 0) {
    const list = disagreeing.map((s) => `${s.name} expects ${s.tags.bootstrapExpect}`).join(', ');
    return { action: 'refuse', reason: `bootstrap-expect values disagree: this server expects ${expect}, ${list}` };
  }
  const withState = servers.filter((s) => s.name !== selfName && s.tags.hasRaftState === true);
  if (withState.length > 0) {
    const names = withState.map((s) => s.name).join(', ');
    return { action: 'refuse', reason: `servers ${names} already have raft state: a cluster exists, whose leader will add this server` };
  }
  if (servers.length < expect) {
    return { action: 'wait', reason: `${servers.length} of ${expect} expected servers alive` };
  }
  const noRaft = servers.filter((s) => s.tags.raftAddress === undefined || s.tags.raftAddress === '');
  if (noRaft.length > 0) return { action: 'refuse', reason: `servers ${noRaft.map((s) => s.name).join(', ')} advertise no raft address` };
  const byAddress = new Map<string, string>();
  for (const s of servers) {
    const other = byAddress.get(s.tags.raftAddress!);
    if (other !== undefined) return { action: 'refuse', reason: `servers ${other} and ${s.name} advertise the same raft address ${s.tags.raftAddress}` };
    byAddress.set(s.tags.raftAddress!, s.name);
  }
  const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    action: 'bootstrap',
    servers: sorted.map((s) => ({ id: s.name, address: s.tags.raftAddress!, suffrage: ServerSuffrage.Voter })),
  };
}
