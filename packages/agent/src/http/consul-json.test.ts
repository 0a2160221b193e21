import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Member } from '../member-view.js';
import { HEALTH_SCORE_TAG, memberJson } from './consul-json.js';

const member: Member = {
  name: 'b',
  address: '10.0.0.2',
  port: 8301,
  status: 'failed',
  tags: { role: 'server', datacenter: 'dc1', nodeId: 'id-b', httpAddress: '10.0.0.2:8500', raftAddress: '10.0.0.2:8300', bootstrapExpect: 3, healthScore: 2 },
};

test('member JSON: serf tags as Consul writes them, and the health score as health_score', () => {
  const json = memberJson(member) as { Name: string; Status: number; Tags: Record<string, string> };
  assert.equal(HEALTH_SCORE_TAG, 'health_score');
  assert.deepEqual([json.Name, json.Status], ['b', 4]);
  assert.deepEqual(json.Tags, { role: 'consul', dc: 'dc1', id: 'id-b', port: '8300', expect: '3', health_score: '2' });
});

test('member JSON: an unknown health score has no tag', () => {
  const { healthScore: _, ...tags } = member.tags;
  const json = memberJson({ ...member, tags: { ...tags, role: 'client' } }) as { Tags: Record<string, string> };
  assert.deepEqual(json.Tags, { role: 'node', dc: 'dc1', id: 'id-b', port: '8300', expect: '3' });
});
