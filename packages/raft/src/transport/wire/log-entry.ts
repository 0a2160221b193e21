/**
 * raft.Log on the wire: {Index, Term, Type, Data, Extensions} in 1.1, plus
 * AppendedAt (a Go time.Time) in 1.7.
 */
import { field, GO_ZERO_TIME, isGoZeroTime, struct, t, type GoTime, type MsgType, type Reader, type Writer } from '@shoal/kit';
import { LogType, type Log } from '../../log.js';
import type { WireGeneration } from './generation.js';
import { goBytes } from './go-nil.js';

const HIGHEST_LOG_TYPE = LogType.Configuration;

/** Go's LogType is a uint8; only the types raft defines are let through, so Log.type never lies. */
const logType: MsgType<LogType> = t.custom<LogType>({
  kind: 'LogType',
  encode: (w: Writer, value: LogType) => t.uint8.encode(w, value),
  decode(r: Reader): LogType {
    const at = r.pos;
    const value = t.uint8.decode(r);
    if (value > HIGHEST_LOG_TYPE) r.fail('ERR_MSGPACK_INVALID', `unknown log type ${value}`, at);
    return value as LogType;
  },
  zero: () => LogType.Command,
  isEmpty: (value) => value === 0,
});

function goTimeFromMs(ms: number): GoTime {
  if (ms === 0) return GO_ZERO_TIME;
  const unixSec = Math.floor(ms / 1000);
  return { unixSec, nsec: (ms - unixSec * 1000) * 1_000_000 };
}

/**
 * Log.appendedAt is milliseconds since the Unix epoch with 0 for Go's zero
 * time, so a Go time keeps millisecond precision and loses its zone.
 */
const appendedAt: MsgType<number> = t.custom<number>({
  kind: 'AppendedAt',
  encode: (w: Writer, ms: number) => t.goTime.encode(w, goTimeFromMs(ms)),
  decode(r: Reader): number {
    const at = r.pos;
    const time = t.goTime.decode(r);
    if (isGoZeroTime(time)) return 0;
    const ms = time.unixSec * 1000 + Math.floor(time.nsec / 1_000_000);
    if (!Number.isSafeInteger(ms)) r.fail('ERR_MSGPACK_INVALID', 'AppendedAt beyond ±2^53 ms', at);
    return ms;
  },
  zero: () => 0,
  isEmpty: () => false,
});

const LOG_FIELDS_1_1 = {
  index: field('Index', t.uint64),
  term: field('Term', t.uint64),
  type: field('Type', logType),
  data: field('Data', goBytes),
  extensions: field('Extensions', goBytes),
};

const LogSchema11 = struct(LOG_FIELDS_1_1);
const LogSchema17 = struct({ ...LOG_FIELDS_1_1, appendedAt: field('AppendedAt', appendedAt) });

/** A 1.1 Log has no appendedAt: it decodes as 0 (Go's zero time). */
const log11: MsgType<Log> = t.custom<Log>({
  kind: 'Log(1.1)',
  encode: (w: Writer, value: Log) => LogSchema11.encode(w, value),
  decode: (r: Reader): Log => ({ ...LogSchema11.decode(r), appendedAt: 0 }),
  zero: () => ({ ...LogSchema11.zero(), appendedAt: 0 }),
  isEmpty: () => false,
});

/** The Log schema a writer of `generation` uses. Decoding with the 1.7 one reads both. */
export function logSchema(generation: WireGeneration): MsgType<Log> {
  return generation === '1.1' ? log11 : LogSchema17;
}
