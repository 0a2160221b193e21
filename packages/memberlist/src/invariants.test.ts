import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberlistErrorCode, MemberlistInvariantError } from './errors.js';
import { assertRowChange, type RowChange } from './invariants.js';
import { NodeStateType } from './wire/types.js';

const { Alive, Suspect, Dead, Left } = NodeStateType;

function change(c: Partial<RowChange>): RowChange {
  return { name: 'n', fromState: Alive, fromIncarnation: 5, toState: Alive, toIncarnation: 5, isLocal: false, leaving: false, reclaimed: false, ...c };
}

function violates(c: Partial<RowChange>, what: RegExp): void {
  assert.throws(
    () => assertRowChange(change(c)),
    (e: unknown) => e instanceof MemberlistInvariantError && e.code === MemberlistErrorCode.Invariant && what.test(e.message),
    JSON.stringify(c),
  );
}

test('invariant 1: an incarnation never goes back, unless the name was reclaimed by a new address', () => {
  violates({ toIncarnation: 4 }, /incarnation went back \(n: alive@5 -> alive@4\)/);
  violates({ fromState: Dead, toState: Dead, toIncarnation: 0 }, /incarnation went back/);
  violates({ isLocal: true, toIncarnation: 0 }, /incarnation went back/);
  assertRowChange(change({ fromState: Left, toIncarnation: 1, reclaimed: true }));
  assertRowChange(change({ toState: Suspect }));
  assertRowChange(change({ toState: Dead, toIncarnation: 9 }));
});

test('invariant 2: a dead or left node comes back only at a strictly higher incarnation', () => {
  violates({ fromState: Dead, toState: Alive }, /revived without a higher incarnation/);
  violates({ fromState: Left, toState: Alive }, /revived without a higher incarnation/);
  violates({ fromState: Dead, toState: Suspect }, /revived without a higher incarnation/);
  assertRowChange(change({ fromState: Dead, toState: Alive, toIncarnation: 6 }));
  // A new row starts as a dead placeholder at 0 (spec §10).
  assertRowChange(change({ fromState: Dead, fromIncarnation: 0, toState: Alive, toIncarnation: 1 }));
  assertRowChange(change({ fromState: Left, toState: Alive, toIncarnation: 1, reclaimed: true }));
});

test('invariant 3: the local node is never suspect, nor dead or left unless leaving', () => {
  violates({ isLocal: true, toState: Suspect }, /local node became suspect/);
  violates({ isLocal: true, toState: Dead }, /local node died without leaving/);
  violates({ isLocal: true, toState: Left }, /local node died without leaving/);
  violates({ isLocal: true, leaving: true, toState: Suspect }, /local node became suspect/);
  assertRowChange(change({ isLocal: true, leaving: true, toState: Left }));
  assertRowChange(change({ isLocal: true, toIncarnation: 6 }));
  assertRowChange(change({ toState: Suspect }));
});
