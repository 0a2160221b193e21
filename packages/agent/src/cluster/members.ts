// memberlist's nodes as the agent's members (member-view.ts): only nodes
// whose meta is a shoal agent's tags count; memberlist's states fold into
// the three the agent acts on.

import { formatIP, type Node, NodeStateType } from '@shoal/memberlist';
import type { Member, MemberStatus } from '../member-view.js';
import { decodeAgentTags } from './agent-tags.js';

export function memberStatusOf(state: NodeStateType): MemberStatus {
  if (state === NodeStateType.Alive || state === NodeStateType.Suspect) return 'alive';
  return state === NodeStateType.Left ? 'left' : 'failed';
}

/** The member a memberlist node is, or undefined when it is not a shoal agent. */
export function memberFromNode(node: Node): Member | undefined {
  const tags = decodeAgentTags(node.meta);
  if (tags === undefined) return undefined;
  return { name: node.name, address: formatIP(node.addr), port: node.port, status: memberStatusOf(node.state), tags };
}
