import { parseArgs, type ParseArgsConfig } from 'node:util';
import { realClock, type Clock } from '@shoal/kit';
import { UsageError } from './command.js';

/** A command's option table, as node:util's parseArgs takes it. */
type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs makes of `T`'s options: a string or boolean (or array) for each. */
type OptionValues<T extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>>['values'];

/**
 * Parses the options of a command that takes no positional arguments. An unknown
 * or malformed option throws parseArgs' own error (main reports it as a usage
 * error); positionals pass parseArgs so that a stray one is reported in our words.
 */
export function parseOptions<const T extends OptionTable>(args: string[], options: T): OptionValues<T> {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return values;
}

/** The options every simulator command takes: cluster size, seed and virtual run time. Read them with simOptions. */
export const SIM_OPTIONS = {
  nodes: { type: 'string' },
  seed: { type: 'string' },
  'duration-ms': { type: 'string' },
} as const;

/**
 * Reads the SIM_OPTIONS values. Node count and duration limits are the command's
 * (both at least 1); the seed is the same everywhere: any integer from 0, default 1.
 */
export function simOptions(
  values: { [K in keyof typeof SIM_OPTIONS]?: string | undefined },
  limits: { defaultNodes: number; maxNodes: number; defaultDurationMs: number; maxDurationMs: number },
): { nodes: number; seed: number; durationMs: number } {
  return {
    nodes: intOption('nodes', values.nodes, limits.defaultNodes, 1, limits.maxNodes),
    seed: intOption('seed', values.seed, 1, 0),
    durationMs: intOption('duration-ms', values['duration-ms'], limits.defaultDurationMs, 1, limits.maxDurationMs),
  };
}

/** Parses an integer option, or throws a UsageError naming it. Absent, it is `fallback` (undefined keeps "not given" apart). */
export function intOption<F extends number | undefined>(name: string, raw: string | undefined, fallback: F, min = 0, max = Number.MAX_SAFE_INTEGER): number | F {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max || raw.trim() === '') {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** Parses a fraction option in [0, 1], or throws a UsageError naming it. */
export function fractionOption(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1 || raw.trim() === '') {
    throw new UsageError(`--${name} must be a number from 0 to 1, got '${raw}'`);
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
