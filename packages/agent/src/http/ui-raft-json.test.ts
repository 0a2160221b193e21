import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RaftView } from './context.js';
import { raftJson, raftViewFromJson } from './ui-raft-json.js';

const VIEW: RaftView = { state: 'Follower', term: 2, commitIndex: 14, appliedIndex: 14, lastIndex: 15, leader: '127.0.0.1:8300', servers: [{ id: 's1', address: '127.0.0.1:8300', voter: true, matchIndex: 15 }, { id: 's2', address: '127.0.0.1:8301', voter: false }] };

test('ui raft json: a view round-trips through its JSON text', () => {
  assert.deepEqual(raftViewFromJson(JSON.parse(JSON.stringify(raftJson(VIEW)))), VIEW);
});

test('ui raft json: anything that is not a raft view is undefined', () => {
  const good = raftJson(VIEW) as unknown as Record<string, unknown>;
  const servers = good.Servers as Record<string, unknown>[];
  const cases: [string, unknown][] = [
    ['null', null],
    ['an array', [good]],
    ['a string', 'Leader'],
    ['no State', { ...good, State: undefined }],
    ['a negative term', { ...good, Term: -1 }],
    ['a fractional index', { ...good, CommitIndex: 1.5 }],
    ['an index as a string', { ...good, LastIndex: '15' }],
    ['Servers not an array', { ...good, Servers: {} }],
    ['a server without an ID', { ...good, Servers: [{ ...servers[0], ID: 7 }] }],
    ['a server with a string match index', { ...good, Servers: [{ ...servers[0], MatchIndex: '3' }] }],
    ['a server with Voter "yes"', { ...good, Servers: [{ ...servers[0], Voter: 'yes' }] }],
  ];
  for (const [what, json] of cases) assert.equal(raftViewFromJson(json), undefined, what);
});

test('ui raft json (property): any JSON value decodes to a view or undefined, never a throw', () => {
  fc.assert(fc.property(fc.jsonValue(), (json) => void raftViewFromJson(json)));
  const good = raftJson(VIEW) as unknown as Record<string, unknown>;
  fc.assert(fc.property(fc.constantFrom(...Object.keys(good)), fc.jsonValue(), (key, value) => void raftViewFromJson({ ...good, [key]: value })));
});
