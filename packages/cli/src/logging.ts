import { pino } from 'pino';
import { LOG_LEVELS, type Logger, type LogLevel } from '@shoal/kit';
import { UsageError } from './command.js';

/** The levels `--log-level` takes: kit's levels, and `silent` for none. */
export type LogLevelOption = LogLevel | 'silent';

export const LOG_LEVEL_CHOICES: readonly LogLevelOption[] = [...LOG_LEVELS, 'silent'];

export function logLevelOption(raw: string): LogLevelOption {
  if (!(LOG_LEVEL_CHOICES as readonly string[]).includes(raw)) throw new UsageError(`--log-level must be one of ${LOG_LEVEL_CHOICES.join(', ')}, got '${raw}'`);
  return raw as LogLevelOption;
}

/**
 * A pino logger writing one JSON object per line through `write` (the
 * command's stderr). pino rather than kit's createLogger: it is what
 * applications already run, its lines are what log shippers expect, and kit's
 * Logger is a subset of its interface, so it is passed to the libraries as is.
 * Levels print as names (`"level":"warn"`), as kit's own JSON lines do. Error
 * stacks are left out: a refused peer is one line, not twenty.
 */
export function createCliLogger(level: LogLevelOption, write: (line: string) => void): Logger {
  return pino(
    {
      level,
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: (err: Error & { code?: unknown }) => ({ type: err.name, message: err.message, ...(err.code !== undefined ? { code: err.code } : {}) }) },
    },
    // A synchronous destination: lines written just before an exit are not lost.
    { write },
  );
}
