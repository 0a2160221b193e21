// When a leader's own log write counts as stalled (Go issue #503), as a table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localWriteStalled } from './disk-stall.js';

const LIMIT = 500;
const NOW = 10_000;

const rows: { name: string; startedAgo: number | undefined; stalled: boolean }[] = [
  { name: 'no write outstanding: never stalled', startedAgo: undefined, stalled: false },
  { name: 'a write that just started', startedAgo: 0, stalled: false },
  { name: 'a write well within the limit', startedAgo: 120, stalled: false },
  { name: 'a write exactly the limit old still counts as live', startedAgo: LIMIT, stalled: false },
  { name: 'a write one ms beyond the limit has stalled', startedAgo: LIMIT + 1, stalled: true },
  { name: 'a write many limits old has stalled', startedAgo: 10 * LIMIT, stalled: true },
  { name: 'a start time in the future (clock reading races) is not a stall', startedAgo: -5, stalled: false },
];

for (const row of rows) {
  test(`localWriteStalled: ${row.name}`, () => {
    const startedAt = row.startedAgo === undefined ? undefined : NOW - row.startedAgo;
    assert.equal(localWriteStalled(startedAt, NOW, LIMIT), row.stalled);
  });
}
