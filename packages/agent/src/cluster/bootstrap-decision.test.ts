import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerSuffrage } from '@shoal/raft';
import { client, server } from '../testing/member-fixtures.js';
import { decideBootstrap, type BootstrapDecision } from './bootstrap-decision.js';
import type { Member } from '../member-view.js';

interface Row {
  name: string;
  self?: Member;
  selfHasState?: boolean;
  members: Member[];
  want: BootstrapDecision['action'];
  /** For bootstrap: the voters' IDs, in order. For the others: words the reason contains. */
  expect?: string[];
}

const a3 = server('a', { expect: 3 });

const rows: Row[] = [
  { name: 'three fresh servers expecting 3 bootstrap with all three, sorted', members: [server('c', { expect: 3 }), a3, server('b', { expect: 3 })], want: 'bootstrap', expect: ['a', 'b', 'c'] },
  { name: 'clients do not count toward the expected servers', members: [a3, server('b', { expect: 3 }), client('x'), client('y')], want: 'wait', expect: ['2 of 3'] },
  { name: 'two of three: wait', members: [a3, server('b', { expect: 3 })], want: 'wait', expect: ['2 of 3'] },
  { name: 'alone, expecting 1: bootstrap with itself', self: server('a', { expect: 1 }), members: [server('a', { expect: 1 })], want: 'bootstrap', expect: ['a'] },
  { name: 'failed and left servers do not count', members: [a3, server('b', { expect: 3 }), server('c', { expect: 3, status: 'failed' }), server('d', { expect: 3, status: 'left' })], want: 'wait', expect: ['2 of 3'] },
  { name: 'servers of another datacenter do not count', members: [a3, server('b', { expect: 3 }), server('c', { expect: 3, dc: 'dc2' })], want: 'wait', expect: ['2 of 3'] },
  { name: 'more fresh servers than expected: all of them (as Consul)', members: [a3, server('b', { expect: 3 }), server('c', { expect: 3 }), server('d', { expect: 3 })], want: 'bootstrap', expect: ['a', 'b', 'c', 'd'] },
  { name: 'a server without an expect value is counted and joins the configuration', members: [a3, server('b', { expect: 3 }), server('c')], want: 'bootstrap', expect: ['a', 'b', 'c'] },
  { name: 'expect values disagree: refuse, naming who', members: [a3, server('b', { expect: 5 }), server('c', { expect: 3 })], want: 'refuse', expect: ['disagree', 'b expects 5'] },
  { name: 'disagreement refuses even before enough servers are alive', members: [a3, server('b', { expect: 2 })], want: 'refuse', expect: ['disagree'] },
  { name: 'another server already has raft state: refuse (a cluster exists)', members: [a3, server('b', { expect: 3, state: true }), server('c', { expect: 3 })], want: 'refuse', expect: ['b', 'already have raft state'] },
  { name: 'a fourth server meeting a bootstrapped cluster refuses', self: server('d', { expect: 3 }), members: [server('a', { expect: 3, state: true }), server('b', { expect: 3, state: true }), server('c', { expect: 3, state: true }), server('d', { expect: 3 })], want: 'refuse', expect: ['a, b, c'] },
  { name: 'this server has state: nothing to do', selfHasState: true, members: [a3, server('b', { expect: 3 }), server('c', { expect: 3 })], want: 'none', expect: ['already has state'] },
  { name: 'no expect value: nothing to do', self: server('a'), members: [server('a'), server('b', { expect: 3 }), server('c', { expect: 3 })], want: 'none', expect: ['--bootstrap-expect'] },
  { name: 'a client agent never bootstraps', self: client('a'), members: [client('a')], want: 'none' },
  { name: 'not yet in its own member list: wait', members: [server('b', { expect: 3 }), server('c', { expect: 3 }), server('d', { expect: 3 })], want: 'wait', expect: ['own member list'] },
  { name: 'two servers on one raft address: refuse', members: [a3, server('b', { expect: 3, raft: '10.9.9.9:8300' }), server('c', { expect: 3, raft: '10.9.9.9:8300' })], want: 'refuse', expect: ['same raft address'] },
  { name: 'a server advertising no raft address: refuse', members: [a3, server('b', { expect: 3 }), server('c', { expect: 3, raft: '' })], want: 'refuse', expect: ['no raft address'] },
];

for (const row of rows) {
  test(`bootstrap decision: ${row.name}`, () => {
    const self = row.self ?? a3;
    const decision = decideBootstrap({ selfName: self.name, selfTags: self.tags, selfHasState: row.selfHasState ?? false, members: row.members });
    assert.equal(decision.action, row.want, JSON.stringify(decision));
    if (decision.action === 'bootstrap') {
      assert.deepEqual(decision.servers.map((s) => s.id), row.expect);
      for (const s of decision.servers) {
        assert.equal(s.suffrage, ServerSuffrage.Voter);
        assert.equal(s.address, row.members.find((m) => m.name === s.id)!.tags.raftAddress);
      }
    } else {
      for (const words of row.expect ?? []) assert.ok(decision.reason.includes(words), `reason '${decision.reason}' lacks '${words}'`);
    }
  });
}

test('bootstrap decision: every server that sees the same members computes the same configuration', () => {
  const members = [server('s3', { expect: 3 }), server('s1', { expect: 3 }), server('s2', { expect: 3 })];
  const decisions = members.map((self) => decideBootstrap({ selfName: self.name, selfTags: self.tags, selfHasState: false, members: [...members].reverse() }));
  for (const d of decisions) assert.deepEqual(d, decisions[0]);
  assert.equal(decisions[0]!.action, 'bootstrap');
});
