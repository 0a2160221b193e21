// Where the servers are, from gossip: the alive servers of this datacenter
// and a lookup from a raft leader to the HTTP address its internal
// endpoints answer on.

import { aliveServers, type Member } from '../member-view.js';
import type { LeaderHint } from './internal-api.js';

export interface ServerDirectory {
  /** Alive servers of this datacenter, sorted by name. */
  servers(): Member[];
  /** The alive server raft knows as `id` at `raftAddress` (either may be empty: wire 1.1 leaders have no ID). */
  serverByRaft(id: string, raftAddress: string): Member | undefined;
}

export function serverDirectory(members: () => readonly Member[], datacenter: string): ServerDirectory {
  const servers = (): Member[] => aliveServers(members(), datacenter);
  return {
    servers,
    serverByRaft: (id, raftAddress) => servers().find((s) => (id !== '' && s.name === id) || (raftAddress !== '' && s.tags.raftAddress === raftAddress)),
  };
}

/** The hint a server's tags give about it as a leader. */
export function hintOf(server: Member): LeaderHint | undefined {
  const raftAddress = server.tags.raftAddress;
  return raftAddress === undefined ? undefined : { name: server.name, httpAddress: server.tags.httpAddress, raftAddress };
}
