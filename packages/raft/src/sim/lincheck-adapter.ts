/**
 * The bridge to @shoal/sim's linearizability checker (issue 7 item 4): client
 * histories are checked against its key-value model, key by key.
 */
import { checkLinearizable, kvHistoryFromJson, kvModel } from '@shoal/sim';
import type { LinearizabilityVerdict } from './harness.js';
import type { HistoryOp } from './sim-clients.js';

export type HistoryChecker = (history: readonly HistoryOp[]) => LinearizabilityVerdict;

/** A checker for KV histories; gives up ('unknown') after `maxSteps` search steps. */
export function findKvChecker(maxSteps = 50_000_000): HistoryChecker {
  return (history) => checkLinearizable(kvModel, kvHistoryFromJson(JSON.parse(JSON.stringify(history)) as unknown), { maxSteps }).verdict;
}
