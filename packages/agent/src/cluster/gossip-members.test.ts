import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, utf8 } from '@shoal/kit';
import { Node, NodeInfo, NodeStateType } from '@shoal/memberlist';
import type { Member } from '../member-view.js';
import { type AgentTags, encodeAgentTags } from './agent-tags.js';
import { GossipMembers } from './gossip-members.js';

const TAGS: AgentTags = { role: 'server', datacenter: 'dc1', nodeId: '0b6e3a0c-8a3e-4d8e-9a53-0f3c2d1e4b5a', httpAddress: '127.0.0.1:8500', raftAddress: '127.0.0.1:8300', healthScore: 0 };

function node(meta: Uint8Array, state: NodeStateType = NodeStateType.Alive, port = 8301): Node {
  return new Node(new NodeInfo('b', Uint8Array.of(127, 0, 0, 2), port, meta, undefined), state);
}

function setup(): { members: GossipMembers; changes: () => number } {
  const self: Member = { name: 'a', address: '127.0.0.1', port: 8301, status: 'alive', tags: TAGS };
  const members = new GossipMembers({ selfName: 'a', selfTags: () => TAGS, selfBeforeGossip: () => self, clock: new ManualClock(), reconnectTimeoutMs: 60_000 });
  let count = 0;
  members.onChange(() => count++);
  return { members, changes: () => count };
}

test('gossip members: a health score change is recorded but is not a member change', () => {
  const { members, changes } = setup();
  assert.equal(members.observe(node(encodeAgentTags(TAGS)))?.changed, true, 'a new member');
  assert.equal(changes(), 1);
  const observed = members.observe(node(encodeAgentTags({ ...TAGS, healthScore: 3 })));
  assert.equal(observed?.changed, false);
  assert.equal(observed?.member.tags.healthScore, 3);
  assert.equal(changes(), 1, 'listeners (the leader\'s reconcile) are not told');
  assert.equal(members.members()[0]?.tags.healthScore, 3, 'the members show the new score');
  // A garbage score from a misbehaving agent is unknown, and no change either.
  const garbage = utf8(JSON.stringify({ shoal: 1, role: 'server', dc: 'dc1', id: TAGS.nodeId, http: TAGS.httpAddress, raft: TAGS.raftAddress, hs: 'high' }));
  assert.equal(members.observe(node(garbage))?.changed, false);
  assert.equal(members.members()[0]?.tags.healthScore, undefined);
});

test('gossip members: any other event tells the listeners, with or without a score change', () => {
  const { members, changes } = setup();
  members.observe(node(encodeAgentTags(TAGS)));
  const cases: [string, Node][] = [
    ['nothing (the housekeeping sync may have recorded the change first)', node(encodeAgentTags(TAGS))],
    ['state', node(encodeAgentTags(TAGS), NodeStateType.Dead)],
    ['state back', node(encodeAgentTags(TAGS))],
    ['port', node(encodeAgentTags(TAGS), NodeStateType.Alive, 9301)],
    ['a tag and the score', node(encodeAgentTags({ ...TAGS, hasRaftState: true, healthScore: 2 }), NodeStateType.Alive, 9301)],
    ['a tag gone', node(encodeAgentTags({ ...TAGS, healthScore: 2 }), NodeStateType.Alive, 9301)],
  ];
  cases.forEach(([what, n], i) => {
    assert.equal(members.observe(n)?.changed, true, what);
    assert.equal(changes(), i + 2, what);
  });
});
