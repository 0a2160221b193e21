// The leader's time-based rules as tables: check-quorum (Go's
// checkLeaderLease; TestRaft_LeaderLeaseExpire) and the read lease (shoal,
// beyond Go: docs/raft.md "Lease reads and their clock assumption").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LeaseInputs, QuorumCheck, VoterContact } from './lease.js';
import { checkQuorum, readLeaseExpiry } from './lease.js';

const LEASE = 500;
const NOW = 10_000;

interface QuorumRow {
  name: string;
  /** Per voter other than the leader `l`: ms since last contact (undefined: never). */
  ago: Record<string, number | undefined>;
  needed: number;
  expect: QuorumCheck;
}

const quorumRows: QuorumRow[] = [
  { name: 'a single voter always has its quorum; next check after a full lease', ago: {}, needed: 1, expect: { stepDown: false, contacted: 1, needed: 1, missed: [], nextCheckMs: LEASE } },
  { name: 'three voters, both followers heard recently; next check when the older contact expires', ago: { b: 100, c: 300 }, needed: 2, expect: { stepDown: false, contacted: 3, needed: 2, missed: [], nextCheckMs: 200 } },
  { name: 'three voters, one follower silent: 2 of 3 is a quorum', ago: { b: 100, c: 900 }, needed: 2, expect: { stepDown: false, contacted: 2, needed: 2, missed: ['c'], nextCheckMs: 400 } },
  { name: 'three voters, both followers silent: step down', ago: { b: 501, c: 900 }, needed: 2, expect: { stepDown: true, contacted: 1, needed: 2, missed: ['b', 'c'] } },
  { name: 'a follower never heard from counts as silent', ago: { b: undefined, c: 100 }, needed: 2, expect: { stepDown: false, contacted: 2, needed: 2, missed: ['b'], nextCheckMs: 400 } },
  { name: 'contact exactly a lease ago still counts (Go: diff <= timeout); next check at the minimum interval', ago: { b: LEASE, c: undefined }, needed: 2, expect: { stepDown: false, contacted: 2, needed: 2, missed: ['c'], nextCheckMs: 10 } },
  { name: 'contact one ms beyond the lease does not count', ago: { b: LEASE + 1 }, needed: 2, expect: { stepDown: true, contacted: 1, needed: 2, missed: ['b'] } },
  { name: 'next check never sooner than the minimum interval (10ms)', ago: { b: 495, c: 495 }, needed: 2, expect: { stepDown: false, contacted: 3, needed: 2, missed: [], nextCheckMs: 10 } },
  { name: 'TestRaft_LeaderLeaseExpire: two voters, the follower partitioned', ago: { b: 2 * LEASE }, needed: 2, expect: { stepDown: true, contacted: 1, needed: 2, missed: ['b'] } },
  { name: 'five voters, two followers heard: 3 of 5', ago: { b: 0, c: 10, d: undefined, e: 700 }, needed: 3, expect: { stepDown: false, contacted: 3, needed: 3, missed: ['d', 'e'], nextCheckMs: 490 } },
  { name: 'five voters, one follower heard: step down', ago: { b: 0, c: 600, d: undefined, e: 700 }, needed: 3, expect: { stepDown: true, contacted: 2, needed: 3, missed: ['c', 'd', 'e'] } },
  { name: 'contact just now: the next check is a full lease away', ago: { b: 0 }, needed: 2, expect: { stepDown: false, contacted: 2, needed: 2, missed: [], nextCheckMs: LEASE } },
];

function contacts(ago: Record<string, number | undefined>): VoterContact[] {
  return [{ id: 'l', lastContact: undefined }, ...Object.entries(ago).map(([id, ms]) => ({ id, lastContact: ms === undefined ? undefined : NOW - ms }))];
}

describe('checkQuorum (check-quorum)', () => {
  for (const row of quorumRows) {
    test(row.name, () => assert.deepEqual(checkQuorum(contacts(row.ago), 'l', NOW, LEASE, row.needed), row.expect));
  }
});

interface LeaseRow {
  name: string;
  lease: Partial<LeaseInputs>;
  expect: number;
}

const base: LeaseInputs = { enabled: true, termCommitted: true, ackedSendTimes: [Infinity, 1_000, 900], needed: 2, heartbeatTimeoutMs: 1_000, maxClockDriftRatio: 0.05 };

const leaseRows: LeaseRow[] = [
  { name: 'three voters: the newer follower acknowledgement starts the lease, less the drift', lease: {}, expect: 1_950 },
  { name: 'lease reads off: no lease', lease: { enabled: false }, expect: -Infinity },
  { name: 'no entry of our term committed yet: no lease', lease: { termCommitted: false }, expect: -Infinity },
  { name: 'three voters, one never acknowledged', lease: { ackedSendTimes: [Infinity, 1_000, -Infinity] }, expect: 1_950 },
  { name: 'three voters, none acknowledged: no lease', lease: { ackedSendTimes: [Infinity, -Infinity, -Infinity] }, expect: -Infinity },
  { name: 'five voters: the third newest acknowledgement (the leader counts as one)', lease: { ackedSendTimes: [Infinity, 200, 500, 300, 400], needed: 3 }, expect: 400 + 950 },
  { name: 'the order of the voters does not matter', lease: { ackedSendTimes: [900, Infinity, 1_000] }, expect: 1_950 },
  { name: 'no drift allowance: a full heartbeat timeout', lease: { maxClockDriftRatio: 0 }, expect: 2_000 },
  { name: 'a larger drift allowance shortens the lease', lease: { maxClockDriftRatio: 0.2 }, expect: 1_800 },
  { name: 'single voter: the lease never runs out', lease: { ackedSendTimes: [Infinity], needed: 1 }, expect: Infinity },
  { name: 'two voters: the follower is needed', lease: { ackedSendTimes: [Infinity, 700], needed: 2 }, expect: 1_650 },
];

describe('readLeaseExpiry (read lease)', () => {
  for (const row of leaseRows) {
    test(row.name, () => assert.equal(readLeaseExpiry({ ...base, ...row.lease }), row.expect));
  }
});

describe('lease properties', () => {
  const contact = fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: undefined });

  test('check-quorum steps down exactly when fewer than needed voters were heard within the lease, and a kept lease holds until its next check', () => {
    fc.assert(
      fc.property(fc.array(contact, { maxLength: 6 }), fc.integer({ min: 10, max: 1_000 }), (agos, lease) => {
        const voters = [{ id: 'l', lastContact: undefined }, ...agos.map((ago, i) => ({ id: `v${i}`, lastContact: ago === undefined ? undefined : NOW - ago }))];
        const needed = Math.floor(voters.length / 2) + 1;
        const heard = 1 + agos.filter((a) => a !== undefined && a <= lease).length;
        const check = checkQuorum(voters, 'l', NOW, lease, needed);
        assert.equal(check.stepDown, heard < needed);
        assert.equal(check.contacted, heard);
        assert.equal(check.missed.length, voters.length - heard);
        if (!check.stepDown) {
          assert.ok(check.nextCheckMs >= 10);
          // Nobody new heard from: at the next check the quorum still holds unless the minimum interval pushed it past.
          const later = checkQuorum(voters, 'l', NOW + check.nextCheckMs, lease, needed);
          if (check.nextCheckMs > 10) assert.equal(later.stepDown, false);
        }
      }),
    );
  });

  test('the read lease starts at an acknowledgement that a quorum gave at or after it, and no later one', () => {
    const ack = fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.constant(-Infinity));
    fc.assert(
      fc.property(fc.array(ack, { maxLength: 6 }), fc.integer({ min: 1, max: 2_000 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (others, hb, drift) => {
        const ackedSendTimes = [Infinity, ...others];
        const needed = Math.floor(ackedSendTimes.length / 2) + 1;
        const expiry = readLeaseExpiry({ enabled: true, termCommitted: true, ackedSendTimes, needed, heartbeatTimeoutMs: hb, maxClockDriftRatio: drift });
        const start = expiry - hb * (1 - drift);
        if (expiry === -Infinity) {
          assert.ok(ackedSendTimes.filter((t) => t > -Infinity).length < needed);
          return;
        }
        assert.ok(ackedSendTimes.filter((t) => t >= start - 1e-6).length >= needed, 'the lease start is not acknowledged by a quorum');
        assert.ok(ackedSendTimes.filter((t) => t > start + 1e-6).length < needed, 'a later start was acknowledged by a quorum');
      }),
    );
  });
});
