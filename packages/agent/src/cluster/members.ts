// The agents in the cluster as the leader's duties see them: a name, an
// address, the tags, and one of three states. memberlist's alive and suspect
// are both "alive" here (a suspect may still refute); dead is "failed"; a
// graceful leave is "left".

import { formatIP, type Node, NodeStateType } from '@shoal/memberlist';
import { decodeAgentTags, type AgentTags } from './agent-tags.js';

export type MemberStatus = 'alive' | 'failed' | 'left';

export interface AgentMember {
  readonly name: string;
  /** The IP it gossips from, as the catalog records a node's address. */
  readonly address: string;
  readonly status: MemberStatus;
  readonly tags: AgentTags;
}

export function memberStatusOf(state: NodeStateType): MemberStatus {
  if (state === NodeStateType.Alive || state === NodeStateType.Suspect) return 'alive';
  return state === NodeStateType.Left ? 'left' : 'failed';
}

/** The member a memberlist node is, or undefined when it is not a shoal agent. */
export function memberFromNode(node: Node): AgentMember | undefined {
  const tags = decodeAgentTags(node.meta);
  if (tags === undefined) return undefined;
  return { name: node.name, address: formatIP(node.addr), status: memberStatusOf(node.state), tags };
}

/** Alive servers of `datacenter`. */
export function aliveServers(members: readonly AgentMember[], datacenter: string): AgentMember[] {
  return members.filter((m) => m.status === 'alive' && m.tags.role === 'server' && m.tags.datacenter === datacenter);
}
