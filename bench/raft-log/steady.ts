// The steady rows of bench/raft-log.ts (--steady): a log as it is after a
// raft server has run a while, compacting after snapshots, rather than a
// fresh one. shoal's store is filled, in batches of about 1 MiB, compacted to
// its last STEADY_KEEP entries after each, until it appends into a segment
// file a compaction freed and holds another freed one for the next segment;
// raft-boltdb then gets the same: as many entries, the same batches, the same
// compactions (its freelist then holds the pages they took). Before each
// timed slice both are compacted again, untimed, as raft would keep doing.
import { LogType, makeLog, type Log } from '@shoal/raft';
import type { Cell } from './runners.js';
import type { OpenedLogStore } from './shoal-store.js';

/** Entries a compaction leaves (raft's trailing logs). */
export const STEADY_KEEP = 1024;
/** The fill gives up past this: a store that never reuses a file is not brought to steady state by more. */
const MAX_FILL_BYTES = 2 * 1024 * 1024 * 1024;

/** What the cell's steady openers share: how many entries shoal's fill stored (raft-boltdb's fill stores as many). */
export interface SteadyCell {
  filled?: number;
}

/** Entries per fill batch: about 1 MiB of them. */
export function fillBatchEntries(cell: Cell): number {
  return Math.max(1, Math.floor((1024 * 1024) / (cell.size + 64)));
}

/** Fills and compacts `opened` (entries of `data`, from index 1) until it is in steady state; returns the next index. */
export async function fillShoalToSteady(opened: OpenedLogStore, cell: Cell, data: Uint8Array): Promise<number> {
  if (opened.reuse === undefined) throw new Error(`${opened.name} does not reuse segment files: no steady state to bring it to`);
  const perBatch = fillBatchEntries(cell);
  let index = 1;
  while (!(opened.reuse().reused >= 1 && opened.reuse().free >= 1)) {
    if ((index - 1) * cell.size > MAX_FILL_BYTES) throw new Error(`${opened.name}: no segment file reused after ${index - 1} entries`);
    const logs: Log[] = [];
    for (let i = 0; i < perBatch; i++) logs.push(makeLog({ index: index++, term: 1, type: LogType.Command, data }));
    await opened.store.storeLogs(logs);
    await compactToKeep(opened, index - 1);
  }
  return index;
}

/** Deletes all but the last STEADY_KEEP entries up to `last`, from the head, as raft compacts after a snapshot. */
export async function compactToKeep(opened: OpenedLogStore, last: number): Promise<void> {
  const first = await opened.store.firstIndex();
  if (last - STEADY_KEEP >= first) await opened.store.deleteRange(first, last - STEADY_KEEP);
}
