import type { LinModel, LinOperation } from './model.js';
import type { LinWitness } from './witness.js';

/**
 * A witness as text, one operation per line in call order:
 *
 *     key "x": 3 of its 40 operations cannot be linearized together:
 *       op 0  client 1  [0, 1]  put("x", "1")
 *       op 1  client 2  [2, 3]  put("x", "2")
 *       op 2  client 3  [4, 5]  get("x") -> "1"   <- not linearizable once this returned
 */
export function formatLinWitness<S, I, O>(model: LinModel<S, I, O>, witness: LinWitness<I, O>): string {
  const describe = model.describe ?? ((op: LinOperation<I, O>) => `${JSON.stringify(op.input)} -> ${op.return === null ? '?' : JSON.stringify(op.output)}`);
  const where = witness.label === '' && !model.partition ? 'the history' : `${model.partitionName ?? 'partition'} ${JSON.stringify(witness.label)}`;
  const together = witness.ops.length === 1 ? '' : ' together';
  const header = `${where}: ${witness.ops.length} of its ${witness.partitionSize} operations cannot be linearized${together}:`;
  const culprits = new Set(witness.culprits);
  const running = new Set(witness.runningAtCut);
  const rows = witness.ops.map((op) => {
    const end = running.has(op.id) ? 'running' : op.return === null ? 'never returned' : String(op.return);
    let note = '';
    if (culprits.has(op.id)) note = witness.cutIsEarliest ? '<- not linearizable once this returned' : '<- returned last';
    else if (running.has(op.id)) note = '(still running then: its outcome is not needed)';
    return [`op ${op.id}`, `client ${op.client}`, `[${op.call}, ${end}]`, describe(op), note];
  });
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => `  ${row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column]!) : cell)).join('  ').trimEnd()}`);
  const footer = witness.minimal ? [] : ['  (the search budget ran out while shrinking: this witness may not be minimal)'];
  return [header, ...lines, ...footer].join('\n');
}
