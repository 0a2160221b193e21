import { open } from 'node:fs/promises';
import {
  checkLinearizableAsync,
  DEFAULT_MAX_MEMORY_BYTES,
  formatLinWitness,
  kvModel,
  LincheckInputError,
  kvHistoryFromJson,
  type KvOperation,
  type LinCheckResult,
  type LinStopReason,
  type KvInput,
  type KvOutput,
} from '@shoal/sim';
import { intOption, parseCommandArgs, stopwatch } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { parseJsonText } from '../json-text.js';

/** Exit codes: see docs/lincheck.md. */
export const LINCHECK_EXIT = { linearizable: 0, notLinearizable: 1, badInput: 2, undecided: 3 } as const;

/** Without --timeout-ms, a check gives up after a minute. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Without --max-memory-mb, one key's search may hold this much (512, or a quarter of the heap limit if less). */
export const DEFAULT_MAX_MEMORY_MB = Math.floor(DEFAULT_MAX_MEMORY_BYTES / 2 ** 20);
/** Histories larger than this are refused before they are read: parsed, they would take several times as much heap. */
export const MAX_HISTORY_BYTES = 64 * 2 ** 20;

const MIB = 2 ** 20;

const USAGE = `shoal lincheck [--model kv] [--timeout-ms N] [--max-memory-mb N] [--max-steps N] [--json] FILE.json

Checks a history of key-value operations for linearizability (Wing & Gong's
search with Lowe's memo, one key at a time). FILE holds a JSON array of
  {"client":int, "op":"get"|"put"|"append"|"cas", "key":str, "value":str?,
   "expect":str|null?, "output":str|null|bool, "call":number, "return":number|null}
A null "return" means the operation never returned: it may have taken effect
at any time after its call, or never, and its output is not checked.
FILE may be at most ${MAX_HISTORY_BYTES / MIB} MiB.

  --model kv         the data model; kv is the only one (default kv)

Budgets (the check is NP-complete; these keep a hard history from running
for ever or filling memory):
  --timeout-ms N     give up after N ms (default ${DEFAULT_TIMEOUT_MS})
  --max-memory-mb N  give up on a key whose search state (an estimate of its
                     memo and stack) passes N MiB; other keys are still
                     checked (default ${DEFAULT_MAX_MEMORY_MB})
  --max-steps N      give up after N search steps (default: no limit)

Exit status: 0 linearizable; 1 not linearizable (a minimal witness is
printed); 2 bad arguments or input; 3 undecided: a budget ran out (the
output names it) or the check was interrupted before a verdict.
--json prints one JSON object instead of text.`;

interface Budgets {
  timeoutMs: number;
  maxMemoryMb: number;
  maxSteps: number | undefined;
}

export const lincheckCommand: Command = {
  name: 'lincheck',
  summary: 'check a key-value history (JSON) for linearizability; exit 0 yes, 1 no, 2 bad input, 3 undecided',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      model: { type: 'string', default: 'kv' },
      'timeout-ms': { type: 'string' },
      'max-memory-mb': { type: 'string' },
      'max-steps': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (values.model !== 'kv') throw new UsageError(`unknown model '${values.model}' (only 'kv' is supported)`);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE.json' : `expected one FILE, got ${positionals.length}`);
    const file = positionals[0]!;
    const budgets: Budgets = {
      timeoutMs: intOption('timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS, 1),
      maxMemoryMb: intOption('max-memory-mb', values['max-memory-mb'], DEFAULT_MAX_MEMORY_MB, 1, 1_048_576),
      maxSteps: intOption('max-steps', values['max-steps'], undefined, 1),
    };

    const history = await readHistory(file);
    const elapsed = stopwatch();
    const result = await checkLinearizableAsync(kvModel, history, {
      signal: io.signal,
      timeoutMs: budgets.timeoutMs,
      maxMemoryBytes: budgets.maxMemoryMb * MIB,
      ...(budgets.maxSteps !== undefined ? { maxSteps: budgets.maxSteps } : {}),
    });
    const ms = elapsed();
    const code =
      result.verdict === 'ok' ? LINCHECK_EXIT.linearizable : result.verdict === 'illegal' ? LINCHECK_EXIT.notLinearizable : LINCHECK_EXIT.undecided;
    io.out(values.json ? `${JSON.stringify(summary(history, result, ms))}\n` : describe(history, result, ms, budgets));
    return code;
  },
};

async function readHistory(file: string): Promise<KvOperation[]> {
  const text = await readBounded(file, MAX_HISTORY_BYTES);
  try {
    return kvHistoryFromJson(parseJsonText(text));
  } catch (error) {
    if (error instanceof LincheckInputError || error instanceof SyntaxError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/**
 * Reads a file as UTF-8, refusing one larger than `maxBytes` with a clear
 * message (Node's own failure past its string limit is obscure). The size is
 * checked before reading, and the read stops past the limit too: a pipe has
 * no size, and a file may grow.
 */
async function readBounded(file: string, maxBytes: number): Promise<string> {
  const tooLarge = (size: string): UsageError =>
    new UsageError(`${file} is too large: ${size}; a history may be at most ${maxBytes / MIB} MiB (${maxBytes} bytes)`);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw tooLarge(`${size} bytes`);
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(MIB, maxBytes + 1 - total));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
        if (total > maxBytes) throw tooLarge(`more than ${maxBytes} bytes`);
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read ${file}: ${typeof code === 'string' ? code : (error as Error).message}`);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

type Result = LinCheckResult<KvInput, KvOutput>;

function describe(history: readonly KvOperation[], result: Result, ms: number, budgets: Budgets): string {
  const shape = `${count(history.length, 'operation')} on ${count(result.partitions.length, 'key')} from ${count(clients(history), 'client')}`;
  if (result.verdict === 'ok') return `linearizable: ${shape} (${ms} ms)\n`;
  const undecided = labels(result, 'unknown');
  if (result.verdict === 'unknown') {
    return `undecided: ${whyUndecided(result, budgets)} with ${count(undecided.length, 'key')} unchecked: ${list(undecided)}; the other keys are linearizable (${shape}, ${ms} ms)\n`;
  }
  const violating = labels(result, 'illegal');
  const witness = result.witness!;
  const lines = [`not linearizable: ${shape} (${ms} ms)`, formatLinWitness(kvModel, witness)];
  const others = violating.filter((label) => label !== witness.label);
  if (others.length > 0) lines.push(`other keys that are not linearizable: ${list(others)}`);
  if (undecided.length > 0) lines.push(`keys left undecided (${whyUndecided(result, budgets)}): ${list(undecided)}`);
  return `${lines.join('\n')}\n`;
}

/** Names every limit that left a key undecided: `the memory budget ran out (--max-memory-mb 512)`. */
function whyUndecided(result: Result, budgets: Budgets): string {
  if (result.stopped === 'aborted') return 'interrupted';
  const reasons = new Set(result.partitions.flatMap((p) => (p.stopped !== undefined && p.stopped !== 'aborted' ? [p.stopped] : [])));
  const named = [...reasons].map((reason) => BUDGET_NAMES[reason](budgets));
  return `the ${named.join(' and the ')} ran out`;
}

const BUDGET_NAMES: Record<Exclude<LinStopReason, 'aborted'>, (budgets: Budgets) => string> = {
  time: (b) => `time budget (--timeout-ms ${b.timeoutMs})`,
  memory: (b) => `memory budget (--max-memory-mb ${b.maxMemoryMb})`,
  steps: (b) => `step budget (--max-steps ${b.maxSteps})`,
};

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
