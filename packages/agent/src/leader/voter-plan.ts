// The raft membership changes the leader makes so the configuration follows
// the servers gossip knows of (Consul's leader reconcile, without autopilot).
// Pure: members and the current configuration in, changes out.
//
//  - an alive server of this datacenter missing from the configuration, or
//    present under another address or as a non-voter, is added as a voter;
//    a configured server with another ID on the same address is removed
//    first (a server that was rebuilt under a new name);
//  - a server that left gracefully is removed;
//  - a failed server stays: it may come back, and removing it would change
//    the quorum under a partition.

import { ServerSuffrage, type Configuration } from '@shoal/raft';
import type { Member } from '../member-view.js';

export type VoterChange =
  | { readonly kind: 'add-voter'; readonly id: string; readonly address: string }
  | { readonly kind: 'remove'; readonly id: string; readonly reason: string };

export interface VoterPlanInput {
  /** The leader's own server ID: never removed here (a leaving leader removes itself). */
  readonly selfId: string;
  readonly datacenter: string;
  readonly members: readonly Member[];
  readonly configuration: Configuration;
}

export function planVoterChanges({ selfId, datacenter, members, configuration }: VoterPlanInput): VoterChange[] {
  const removes: VoterChange[] = [];
  const adds: VoterChange[] = [];
  const removed = new Set<string>();
  const remove = (id: string, reason: string): void => {
    if (id === selfId || removed.has(id)) return;
    removed.add(id);
    removes.push({ kind: 'remove', id, reason });
  };
  const servers = members.filter((m) => m.tags.role === 'server' && m.tags.datacenter === datacenter && m.tags.raftAddress);
  for (const member of servers) {
    const address = member.tags.raftAddress!;
    const configured = configuration.servers.find((s) => s.id === member.name);
    if (member.status === 'left') {
      if (configured !== undefined) remove(member.name, 'left the cluster');
      continue;
    }
    if (member.status !== 'alive' || member.name === selfId) continue;
    const sameAddress = configuration.servers.find((s) => s.address === address && s.id !== member.name);
    if (sameAddress !== undefined) remove(sameAddress.id, `its address ${address} now belongs to ${member.name}`);
    if (configured === undefined || configured.address !== address || configured.suffrage !== ServerSuffrage.Voter) {
      adds.push({ kind: 'add-voter', id: member.name, address });
    }
  }
  return [...removes, ...adds];
}
