// The seam between the agent and gossip membership: who is in the cluster,
// how each member is doing, and what it told the others about itself (its
// tags). The cluster agent implements it over memberlist (cluster/members.ts
// turns memberlist's nodes into members); dev mode has one member, itself.
import type { NodeSpec } from './state/commands.js';
import type { AgentTags } from './cluster/agent-tags.js';

/**
 * memberlist's alive and suspect are both "alive" here (a suspect may still
 * refute); dead is "failed"; a graceful leave is "left".
 */
export type MemberStatus = 'alive' | 'failed' | 'left';

export interface Member {
  /** The node name: unique in the cluster, and a server's raft ID. */
  readonly name: string;
  /** The IP it gossips from, as the catalog records a node's address. */
  readonly address: string;
  /** The gossip port. */
  readonly port: number;
  readonly status: MemberStatus;
  readonly tags: AgentTags;
}

export interface MemberView {
  /** This agent. */
  self(): Member;
  /** Every known member, this agent included, sorted by name. */
  members(): readonly Member[];
  /** Calls `listener` after any member joins, fails, leaves or changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A view with this agent alone: dev mode. */
export function singleMemberView(self: Member): MemberView {
  return { self: () => self, members: () => [self], onChange: () => () => {} };
}

/** Alive servers of `datacenter`, sorted by name. */
export function aliveServers(members: readonly Member[], datacenter: string): Member[] {
  return members.filter((m) => m.status === 'alive' && m.tags.role === 'server' && m.tags.datacenter === datacenter).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The catalog node a member is registered as. The agent's own anti-entropy
 * and the leader's reconcile both write it this way, so their writes agree.
 * No meta: a register without it keeps the node's meta as it is.
 */
export function nodeSpecOf(member: Pick<Member, 'name' | 'address' | 'tags'>): NodeSpec {
  return {
    node: member.name,
    id: member.tags.nodeId,
    address: member.address,
    datacenter: member.tags.datacenter,
    taggedAddresses: { lan: member.address, wan: member.address },
  };
}
