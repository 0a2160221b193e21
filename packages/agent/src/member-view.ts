// The seam between the agent and gossip membership: who is in the cluster and
// how each member is doing. The cluster layer implements it over memberlist;
// dev mode has one member, this agent.
import type { NodeSpec } from './state/commands.js';

/** Consul's member statuses (serf's), in the order of their numeric codes 1..4. */
export type MemberStatus = 'alive' | 'leaving' | 'left' | 'failed';

export interface Member {
  /** The node name. */
  readonly name: string;
  /** The node's UUID (Consul's node ID). */
  readonly id: string;
  /** The address gossip reaches it at. */
  readonly address: string;
  /** The gossip port. */
  readonly port: number;
  readonly status: MemberStatus;
  /** Serf-style tags (role, dc, ...), shown by /v1/agent/members. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface MemberView {
  self(): Member;
  /** Every known member, this agent included. */
  members(): readonly Member[];
  /** Calls `listener` after any member joins, fails, leaves or changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A view with this agent alone: dev mode. */
export function singleMemberView(self: Member): MemberView {
  return { self: () => self, members: () => [self], onChange: () => () => {} };
}

/** The catalog node a member is registered as; the local agent and the leader build it the same way, so their writes agree. */
export function nodeSpecOf(member: Pick<Member, 'name' | 'id' | 'address'>, datacenter: string): NodeSpec {
  return { node: member.name, id: member.id, address: member.address, datacenter, meta: {}, taggedAddresses: { lan: member.address, wan: member.address } };
}
