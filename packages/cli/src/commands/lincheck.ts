import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  checkLinearizableAsync,
  formatLinWitness,
  kvModel,
  LincheckInputError,
  parseKvHistory,
  type KvOperation,
  type LinCheckResult,
  type KvInput,
  type KvOutput,
} from '@shoal/sim';
import { intOption, stopwatch } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';

/** Exit codes: see docs/lincheck.md. */
export const LINCHECK_EXIT = { linearizable: 0, notLinearizable: 1, badInput: 2, undecided: 3 } as const;

const USAGE = `shoal lincheck [--model kv] [--timeout-ms N] [--max-steps N] [--json] FILE.json

Checks a history of key-value operations for linearizability (Wing & Gong's
search with Lowe's memo, one key at a time). FILE holds a JSON array of
  {"client":int, "op":"get"|"put"|"append"|"cas", "key":str, "value":str?,
   "expect":str|null?, "output":str|null|bool, "call":number, "return":number|null}
A null "return" means the operation never returned: it may have taken effect
at any time after its call, or never, and its output is not checked.

Exit status: 0 linearizable; 1 not linearizable (a minimal witness is
printed); 2 bad arguments or input; 3 undecided: --timeout-ms or --max-steps
ran out (or the check was interrupted) before a verdict. With no limit the
check runs until it decides. --json prints one JSON object instead of text.`;

export const lincheckCommand: Command = {
  name: 'lincheck',
  summary: 'check a key-value history (JSON) for linearizability; exit 0 yes, 1 no, 2 bad input, 3 undecided',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string', default: 'kv' },
        'timeout-ms': { type: 'string' },
        'max-steps': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values.model !== 'kv') throw new UsageError(`unknown model '${values.model}' (only 'kv' is supported)`);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE.json' : `expected one FILE, got ${positionals.length}`);
    const file = positionals[0]!;
    const timeoutMs = intOption('timeout-ms', values['timeout-ms'], undefined, 1);
    const maxSteps = intOption('max-steps', values['max-steps'], undefined, 1);

    const history = await readHistory(file);
    const elapsed = stopwatch();
    const result = await checkLinearizableAsync(kvModel, history, {
      signal: io.signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(maxSteps !== undefined ? { maxSteps } : {}),
    });
    const ms = elapsed();
    const code =
      result.verdict === 'ok' ? LINCHECK_EXIT.linearizable : result.verdict === 'illegal' ? LINCHECK_EXIT.notLinearizable : LINCHECK_EXIT.undecided;
    io.out(values.json ? `${JSON.stringify(summary(history, result, ms))}\n` : describe(history, result, ms, { timeoutMs, maxSteps }));
    return code;
  },
};

async function readHistory(file: string): Promise<KvOperation[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read ${file}: ${typeof code === 'string' ? code : (error as Error).message}`);
  }
  try {
    return parseKvHistory(text);
  } catch (error) {
    if (error instanceof LincheckInputError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

type Result = LinCheckResult<KvInput, KvOutput>;

function describe(history: readonly KvOperation[], result: Result, ms: number, limits: { timeoutMs?: number | undefined; maxSteps?: number | undefined }): string {
  const shape = `${count(history.length, 'operation')} on ${count(result.partitions.length, 'key')} from ${count(clients(history), 'client')}`;
  if (result.verdict === 'ok') return `linearizable: ${shape} (${ms} ms)\n`;
  const undecided = labels(result, 'unknown');
  if (result.verdict === 'unknown') {
    const why =
      result.stopped === 'aborted'
        ? 'interrupted'
        : `the search budget ran out (${[limits.timeoutMs !== undefined ? `--timeout-ms ${limits.timeoutMs}` : '', limits.maxSteps !== undefined ? `--max-steps ${limits.maxSteps}` : ''].filter(Boolean).join(', ')})`;
    return `undecided: ${why} with ${count(undecided.length, 'key')} unchecked: ${list(undecided)}; the other keys are linearizable (${shape}, ${ms} ms)\n`;
  }
  const violating = labels(result, 'illegal');
  const witness = result.witness!;
  const lines = [`not linearizable: ${shape} (${ms} ms)`, formatLinWitness(kvModel, witness)];
  const others = violating.filter((label) => label !== witness.label);
  if (others.length > 0) lines.push(`other keys that are not linearizable: ${list(others)}`);
  if (undecided.length > 0) lines.push(`keys left undecided: ${list(undecided)}`);
  return `${lines.join('\n')}\n`;
}

function summary(history: readonly KvOperation[], result: Result, ms: number): object {
  const witness = result.witness;
  return {
    linearizable: result.verdict === 'ok' ? true : result.verdict === 'illegal' ? false : null,
    verdict: result.verdict,
    ops: history.length,
    keys: result.partitions.length,
    clients: clients(history),
    ms,
    steps: result.steps,
    violating_keys: labels(result, 'illegal'),
    undecided_keys: labels(result, 'unknown'),
    ...(result.stopped ? { stopped: result.stopped } : {}),
    ...(witness
      ? {
          witness: {
            key: witness.label,
            ops: witness.ops.map((op) => op.id),
            culprits: witness.culprits,
            running_at_cut: witness.runningAtCut,
            cut: witness.cut,
            cut_is_earliest: witness.cutIsEarliest,
            minimal: witness.minimal,
          },
        }
      : {}),
  };
}

function labels(result: Result, verdict: 'illegal' | 'unknown'): string[] {
  return result.partitions.filter((p) => p.verdict === verdict).map((p) => p.label);
}

function clients(history: readonly KvOperation[]): number {
  return new Set(history.map((op) => op.client)).size;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function list(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((key) => JSON.stringify(key));
  return keys.length > 10 ? `${shown.join(', ')} and ${keys.length - 10} more` : shown.join(', ');
}
