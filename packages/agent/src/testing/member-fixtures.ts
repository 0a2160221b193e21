// Members for the table tests of the plans and decisions: server(name, ...)
// and client(name, ...) with the tags a real agent would advertise.

import type { AgentTags } from '../cluster/agent-tags.js';
import type { Member, MemberStatus } from '../member-view.js';

export interface FixtureOptions {
  status?: MemberStatus;
  dc?: string;
  expect?: number;
  state?: boolean;
  raft?: string;
  address?: string;
  nodeId?: string;
}

/** A port per name, so every server's addresses differ. */
const portOf = (name: string): number => 8300 + ([...name].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) % 600);

export function server(name: string, o: FixtureOptions = {}): Member {
  const tags: AgentTags = {
    role: 'server',
    datacenter: o.dc ?? 'dc1',
    nodeId: o.nodeId ?? `id-${name}`,
    httpAddress: `10.0.0.1:${portOf(name) + 200}`,
    raftAddress: o.raft ?? `10.0.0.1:${portOf(name)}`,
    ...(o.expect !== undefined ? { bootstrapExpect: o.expect } : {}),
    ...(o.state !== undefined ? { hasRaftState: o.state } : {}),
  };
  return { name, address: o.address ?? '10.0.0.1', port: 8301, status: o.status ?? 'alive', tags };
}

export function client(name: string, o: FixtureOptions = {}): Member {
  const tags: AgentTags = { role: 'client', datacenter: o.dc ?? 'dc1', nodeId: o.nodeId ?? `id-${name}`, httpAddress: `10.0.0.2:${portOf(name)}` };
  return { name, address: o.address ?? '10.0.0.2', port: 8301, status: o.status ?? 'alive', tags };
}
