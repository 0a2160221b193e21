// memberlist's nodes as the agent's members (member-view.ts): only nodes
// whose meta is a shoal agent's tags count; memberlist's states fold into
// the three the agent acts on.

import { formatIP, type Node, NodeStateType } from '@shoal/memberlist';
import type { Member, MemberStatus } from '../member-view.js';
import { type AgentTags, decodeAgentTags } from './agent-tags.js';

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

/**
 * Whether `b` differs from `a` in its health score and in nothing else: a
 * score change is for the dashboard, and moves nothing the agent acts on
 * (the catalog, raft's voters, bootstrapping).
 */
export function onlyHealthScoreDiffers(a: Member, b: Member): boolean {
  if (a.tags.healthScore === b.tags.healthScore) return false;
  if (a.name !== b.name || a.address !== b.address || a.port !== b.port || a.status !== b.status) return false;
  const keys = new Set([...Object.keys(a.tags), ...Object.keys(b.tags)] as (keyof AgentTags)[]);
  for (const key of keys) if (key !== 'healthScore' && a.tags[key] !== b.tags[key]) return false;
  return true;
}
