/**
 * The logging interface shoal writes to. Its shape is a subset of pino's, so a
 * pino logger can be passed in as it is: levels, and either (object, message)
 * or (message). Silent unless the caller hands one in.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger that adds `bindings` to every entry (pino's child loggers). */
  child(bindings: Record<string, unknown>): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const ignore = (): void => {};

/** Discards everything. The default wherever a Logger is optional. */
export const silentLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  fatal: ignore,
  child: () => silentLogger,
};

export interface LogEntry {
  level: LogLevel;
  msg: string;
  [key: string]: unknown;
}

/**
 * A logger that hands each entry at or above `level` to `sink` as one flat
 * object: the child bindings, the logged object's fields, then level and msg.
 * `jsonLines(write)` turns the sink into newline-delimited JSON.
 */
export function createLogger(sink: (entry: LogEntry) => void, level: LogLevel = 'info', bindings: Record<string, unknown> = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const make = (lvl: LogLevel): LogFn => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return ignore;
    return ((objOrMsg: object | string, msg?: string) => {
      if (typeof objOrMsg === 'string') sink({ ...bindings, level: lvl, msg: objOrMsg });
      else sink({ ...bindings, ...serializeFields(objOrMsg), level: lvl, msg: msg ?? '' });
    }) as LogFn;
  };
  return {
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    fatal: make('fatal'),
    child: (more) => createLogger(sink, level, { ...bindings, ...more }),
  };
}

/** Errors do not survive JSON.stringify; flatten them the way pino's err serializer does. */
function serializeFields(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? { type: value.name, message: value.message, code: (value as { code?: unknown }).code, stack: value.stack } : value;
  }
  return out;
}

/** A sink writing one JSON object per line, with a timestamp from `wallTime`. */
export function jsonLines(write: (line: string) => void, wallTime: () => number): (entry: LogEntry) => void {
  return (entry) => write(`${JSON.stringify({ time: wallTime(), ...entry }, bigintSafe)}\n`);
}

function bigintSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Keeps entries in memory: for tests that assert on what was logged. */
export function memoryLogger(level: LogLevel = 'trace'): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return Object.assign(createLogger((e) => entries.push(e), level), { entries });
}
