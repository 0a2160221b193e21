/**
 * The verdicts on a crash run's history: linearizable (by @shoal/sim's
 * checker, the one behind `shoal lincheck`), and no acknowledged write lost
 * (each acknowledged put, append or successful cas shows in the key's final
 * value, unless a later write could have replaced it).
 */
import { writeFileSync } from 'node:fs';
import { checkLinearizableAsync, kvHistoryFromJson, kvModel } from '@shoal/sim';
import type { LinVerdict } from '@shoal/sim';
import type { HistoryOp } from '../../sim/sim-clients.js';

/** Writes the history as a file `node packages/cli/bin/shoal.js lincheck FILE` reads. */
export function writeHistoryFile(path: string, history: readonly HistoryOp[]): void {
  writeFileSync(path, `[\n${history.map((op) => JSON.stringify(op)).join(',\n')}\n]\n`);
}

export async function checkHistory(history: readonly HistoryOp[], timeoutMs: number): Promise<LinVerdict> {
  // Through JSON, exactly as the CLI would read the file.
  const ops = kvHistoryFromJson(JSON.parse(JSON.stringify(history)) as unknown);
  const result = await checkLinearizableAsync(kvModel, ops, { timeoutMs });
  return result.verdict;
}

/** A write that certainly took effect: acknowledged, and for cas, swapped. */
function acknowledgedWrite(op: HistoryOp): boolean {
  if (op.return === null || op.op === 'get') return false;
  return op.op !== 'cas' || op.output === true;
}

/** A write that may have replaced a key's whole value (put, or cas unless it certainly failed). */
function mayOverwrite(op: HistoryOp): boolean {
  return op.op === 'put' || (op.op === 'cas' && (op.return === null || op.output === true));
}

function reflected(op: HistoryOp, final: string | null): boolean {
  if (final === null || op.value === undefined) return false;
  // Values are unique: a put's value stays the prefix under later appends; an append's stays inside.
  return op.op === 'append' ? final.includes(op.value) : final.startsWith(op.value);
}

/**
 * Acknowledged writes missing from `finals` (each key's value read through
 * the leader after the last restart). A write is excused when another write
 * to its key that may overwrite it could have taken effect after it.
 */
export function missingAcknowledgedWrites(history: readonly HistoryOp[], finals: ReadonlyMap<string, string | null>): HistoryOp[] {
  const missing: HistoryOp[] = [];
  for (const op of history) {
    if (!acknowledgedWrite(op) || !finals.has(op.key)) continue;
    if (reflected(op, finals.get(op.key) ?? null)) continue;
    const overwritten = history.some((o) => o !== op && o.key === op.key && mayOverwrite(o) && (o.return === null || o.return > op.call));
    if (!overwritten) missing.push(op);
  }
  return missing;
}
