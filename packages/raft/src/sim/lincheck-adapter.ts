/**
 * The bridge to @shoal/sim's linearizability checker (issue 7 item 4, written
 * in that package). Looked up at run time so this package builds before the
 * checker is exported; once it is, histories are checked against its KV model.
 */
import * as simPackage from '@shoal/sim';
import type { LinearizabilityVerdict } from './harness.js';
import type { HistoryOp } from './sim-clients.js';

interface LincheckExports {
  checkLinearizable(model: unknown, ops: unknown, options?: { maxSteps?: number }): { verdict: LinearizabilityVerdict };
  kvModel: unknown;
  kvHistoryFromJson(json: unknown): unknown;
}

export type HistoryChecker = (history: readonly HistoryOp[]) => LinearizabilityVerdict;

/** A checker for KV histories, or undefined while @shoal/sim does not export one. */
export function findKvChecker(maxSteps = 50_000_000): HistoryChecker | undefined {
  const lin = simPackage as unknown as Partial<LincheckExports>;
  const check = lin.checkLinearizable;
  const model = lin.kvModel;
  const fromJson = lin.kvHistoryFromJson;
  if (check === undefined || model === undefined || fromJson === undefined) return undefined;
  return (history) => check(model, fromJson(JSON.parse(JSON.stringify(history)) as unknown), { maxSteps }).verdict;
}
