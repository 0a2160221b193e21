import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerSuffrage, type Server } from '@shoal/raft';
import { client, server } from '../testing/member-fixtures.js';
import type { Member } from '../member-view.js';
import { planVoterChanges, type VoterChange } from './voter-plan.js';

const voter = (m: Member): Server => ({ id: m.name, address: m.tags.raftAddress!, suffrage: ServerSuffrage.Voter });
const a = server('a');
const b = server('b');
const c = server('c');

interface Row {
  name: string;
  members: Member[];
  configured: Server[];
  want: VoterChange[];
}

const rows: Row[] = [
  { name: 'everyone configured: nothing', members: [a, b, c], configured: [voter(a), voter(b), voter(c)], want: [] },
  { name: 'a new alive server is added as a voter', members: [a, b, c, server('d')], configured: [voter(a), voter(b), voter(c)], want: [{ kind: 'add-voter', id: 'd', address: server('d').tags.raftAddress! }] },
  { name: 'a server that left is removed', members: [a, b, server('c', { status: 'left' })], configured: [voter(a), voter(b), voter(c)], want: [{ kind: 'remove', id: 'c', reason: 'left the cluster' }] },
  { name: 'a failed server stays', members: [a, b, server('c', { status: 'failed' })], configured: [voter(a), voter(b), voter(c)], want: [] },
  { name: 'a left server not configured: nothing', members: [a, b, server('c', { status: 'left' })], configured: [voter(a), voter(b)], want: [] },
  { name: 'a failed server not configured is not added', members: [a, b, server('c', { status: 'failed' })], configured: [voter(a), voter(b)], want: [] },
  { name: 'clients are never voters', members: [a, b, client('x')], configured: [voter(a), voter(b)], want: [] },
  { name: 'servers of another datacenter are not added', members: [a, server('z', { dc: 'dc2' })], configured: [voter(a)], want: [] },
  { name: 'the leader itself is never added or removed', members: [server('a', { status: 'left' }), b], configured: [voter(b)], want: [] },
  {
    name: 'a configured server whose raft address changed is added again at the new address',
    members: [a, server('b', { raft: '10.0.0.9:8300' })],
    configured: [voter(a), voter(b)],
    want: [{ kind: 'add-voter', id: 'b', address: '10.0.0.9:8300' }],
  },
  {
    name: 'a non-voter is promoted',
    members: [a, b],
    configured: [voter(a), { ...voter(b), suffrage: ServerSuffrage.Nonvoter }],
    want: [{ kind: 'add-voter', id: 'b', address: b.tags.raftAddress! }],
  },
  {
    name: 'a server rebuilt under another name: the old ID on its address is removed first',
    members: [a, server('b2', { raft: b.tags.raftAddress })],
    configured: [voter(a), voter(b)],
    want: [
      { kind: 'remove', id: 'b', reason: `its address ${b.tags.raftAddress} now belongs to b2` },
      { kind: 'add-voter', id: 'b2', address: b.tags.raftAddress! },
    ],
  },
  { name: 'configured servers gossip does not know are left alone', members: [a], configured: [voter(a), voter(b)], want: [] },
];

for (const row of rows) {
  test(`voter plan: ${row.name}`, () => {
    const changes = planVoterChanges({ selfId: 'a', datacenter: 'dc1', members: row.members, configuration: { servers: row.configured } });
    assert.deepEqual(changes, row.want);
  });
}

test('voter plan: applying the plan and planning again changes nothing', () => {
  const members = [a, server('b', { status: 'left' }), c, server('d'), server('e', { status: 'failed' })];
  let servers = [voter(a), voter(server('b')), voter(c), voter(server('e'))];
  for (const change of planVoterChanges({ selfId: 'a', datacenter: 'dc1', members, configuration: { servers } })) {
    servers = servers.filter((s) => s.id !== change.id);
    if (change.kind === 'add-voter') servers.push({ id: change.id, address: change.address, suffrage: ServerSuffrage.Voter });
  }
  assert.deepEqual(servers.map((s) => s.id).sort(), ['a', 'c', 'd', 'e']);
  assert.deepEqual(planVoterChanges({ selfId: 'a', datacenter: 'dc1', members, configuration: { servers } }), []);
});
