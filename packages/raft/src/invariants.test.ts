// The invariant checker itself must catch each kind of violation.
import { utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvariantChecker } from './invariants.js';
import { makeLog } from './log.js';

const e = (index: number, term: number, data = `${index}@${term}`) => makeLog({ index, term, data: utf8(data) });

test('election safety: two leaders in one term', () => {
  const c = new InvariantChecker();
  c.recordLeader('a', 1);
  c.recordLeader('a', 1);
  c.recordLeader('b', 2);
  assert.ok(c.ok);
  assert.equal(c.elections, 2);
  c.recordLeader('c', 2);
  assert.equal(c.violations[0]?.kind, 'election-safety');
});

test('state machine safety: different entries applied at one index', () => {
  const c = new InvariantChecker();
  c.recordApplied('a', e(1, 1));
  c.recordApplied('b', e(1, 1));
  assert.ok(c.ok);
  c.recordApplied('c', e(1, 2));
  assert.equal(c.violations[0]?.kind, 'state-machine-safety');
});

test('log matching: same index and term, different data; and prefixes that differ below a match', () => {
  const c = new InvariantChecker();
  c.checkLogs([
    { id: 'a', entries: [e(1, 1), e(2, 1)], snapshotIndex: 0, lastIndex: 2 },
    { id: 'b', entries: [e(1, 1), e(2, 1)], snapshotIndex: 0, lastIndex: 2 },
    { id: 'c', entries: [e(1, 1), e(2, 2)], snapshotIndex: 0, lastIndex: 2 },
  ]);
  assert.ok(c.ok, JSON.stringify(c.violations));
  c.checkLogs([
    { id: 'a', entries: [e(1, 1), e(2, 1, 'x')], snapshotIndex: 0, lastIndex: 2 },
    { id: 'b', entries: [e(1, 1), e(2, 1, 'y')], snapshotIndex: 0, lastIndex: 2 },
  ]);
  assert.equal(c.violations[0]?.kind, 'log-matching');
  const d = new InvariantChecker();
  d.checkLogs([
    { id: 'a', entries: [e(1, 1), e(2, 2), e(3, 3)], snapshotIndex: 0, lastIndex: 3 },
    { id: 'b', entries: [e(1, 1), e(2, 1), e(3, 3)], snapshotIndex: 0, lastIndex: 3 },
  ]);
  assert.ok(d.violations.some((v) => v.kind === 'log-matching' && v.message.includes('agree at 3 but differ at 2')));
});

test('leader completeness: a leader without an entry applied before its election', () => {
  const c = new InvariantChecker();
  c.recordApplied('a', e(1, 1));
  c.recordApplied('a', e(2, 1));
  c.recordLeader('b', 2);
  c.checkLogs([{ id: 'b', entries: [e(1, 1)], snapshotIndex: 0, lastIndex: 1 }], [{ id: 'b', term: 2 }]);
  assert.equal(c.violations[0]?.kind, 'leader-completeness');
  const ok = new InvariantChecker();
  ok.recordApplied('a', e(1, 1));
  ok.recordLeader('b', 2);
  ok.checkLogs([{ id: 'b', entries: [e(2, 2)], snapshotIndex: 1, lastIndex: 2 }], [{ id: 'b', term: 2 }]);
  assert.ok(ok.ok, 'an entry covered by the snapshot counts as held');
});
