import { UsageError } from './command.js';

/** Parses an integer option, or throws a UsageError naming it. */
export function intOption(name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
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
