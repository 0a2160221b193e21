import { parseArgs, type ParseArgsConfig } from 'node:util';
import { realClock, type Clock } from '@shoal/kit';
import { UsageError } from './command.js';

// Option parsing stays on node:util's parseArgs rather than commander, citty
// or cac: each command already has a hand-written usage text (with its ranges
// and defaults, checked by help.test.ts) and validates its own values with
// one-line UsageErrors; commands run in process against a CommandIO in tests,
// where a library's own exit and printing would have to be overridden; and
// parseArgs costs no dependency. What a library would add, its error
// wording and group help, is the few lines in translateParseError and main.ts.

/** A command's option table, as node:util's parseArgs takes it. */
type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs makes of `T`'s options: a string or boolean (or array) for each. */
type OptionValues<T extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>>['values'];

/**
 * Parses a command's options and positional arguments. An unknown or malformed
 * option is a UsageError in our words (parseArgs' own messages run to three
 * lines of advice about '--'); main adds the command's usage line.
 *
 * parseArgs refuses `--opt -5` as ambiguous (is -5 a value or an option?). No
 * option here is a digit, so a value that reads as a negative number is taken
 * as the value: the option's own check then says what is wrong with it.
 */
export function parseCommandArgs<const T extends OptionTable>(args: string[], options: T): { values: OptionValues<T>; positionals: string[] } {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals: true });
  } catch (error) {
    throw translateParseError(error);
  }
}

/** parseArgs' errors carry the option only in their message: `Unknown option '--foo'. To specify...`. */
function translateParseError(error: unknown): unknown {
  const { code, message } = error as { code?: unknown; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? '')?.[1];
  if (typeof code !== 'string' || option === undefined) return error;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${option}'`, { showUsage: true });
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const problem = message!.includes('does not take an argument') ? 'takes no value' : 'needs a value';
    return new UsageError(`${option} ${problem}`, { showUsage: true });
  }
  return error;
}

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * Parses the options of a command that takes no positional arguments;
 * positionals pass parseArgs so that a stray one is reported in our words.
 */
export function parseOptions<const T extends OptionTable>(args: string[], options: T): OptionValues<T> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return values;
}

/** The options every simulator command takes: cluster size, seed and virtual run time. Read them with simOptions. */
export const SIM_OPTIONS = {
  nodes: { type: 'string' },
  seed: { type: 'string' },
  'duration-ms': { type: 'string' },
} as const;

/** A simulator command's node count and duration limits (both at least 1). Its help text is written from them too. */
export interface SimLimits {
  defaultNodes: number;
  minNodes: number;
  maxNodes: number;
  defaultDurationMs: number;
  maxDurationMs: number;
}

/** The seed is the same for every simulator command: any integer from 0. */
export const DEFAULT_SEED = 1;

/** Reads the SIM_OPTIONS values within the command's limits. */
export function simOptions(values: { [K in keyof typeof SIM_OPTIONS]?: string | undefined }, limits: SimLimits): { nodes: number; seed: number; durationMs: number } {
  return {
    nodes: intOption('nodes', values.nodes, limits.defaultNodes, limits.minNodes, limits.maxNodes),
    seed: intOption('seed', values.seed, DEFAULT_SEED, 0),
    durationMs: intOption('duration-ms', values['duration-ms'], limits.defaultDurationMs, 1, limits.maxDurationMs),
  };
}

/** Parses an integer option, or throws a UsageError naming it. Absent, it is `fallback` (undefined keeps "not given" apart). */
export function intOption<F extends number | undefined>(name: string, raw: string | undefined, fallback: F, min = 0, max = Number.MAX_SAFE_INTEGER): number | F {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max || raw.trim() === '') {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
    const rule = `must be ${range}`;
    const problem = value < 0 && min >= 0 ? `cannot be negative: it ${rule}` : rule;
    throw new UsageError(`--${name} ${problem}, got '${raw}'`);
  }
  return value;
}

/** Parses a fraction option in [0, 1], or throws a UsageError naming it. */
export function fractionOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1 || raw.trim() === '') {
    const negative = value < 0 ? 'cannot be negative: it ' : '';
    throw new UsageError(`--${name} ${negative}must be a number from 0 to 1, got '${raw}'`);
  }
  return value;
}

/**
 * Starts a stopwatch on `clock` (for the `wall_ms` a command reports); call
 * the result for the whole milliseconds since.
 */
export function stopwatch(clock: Clock = realClock): () => number {
  const started = clock.now();
  return () => Math.round(clock.now() - started);
}
