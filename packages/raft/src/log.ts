/** Log entries: the unit raft replicates. Field for field Go's `raft.Log`. */
import { bytesEqual } from '@shoal/kit';

/** What a log entry means. Values are written to disk and the wire: never renumber. */
export const LogType = {
  /** A user command, applied to the FSM. */
  Command: 0,
  /** Appended by every new leader to commit entries of earlier terms. */
  Noop: 1,
  /** Protocol 0 membership change; decoded for completeness, never produced. */
  AddPeerDeprecated: 2,
  /** Protocol 0/1 membership change; decoded for completeness, never produced. */
  RemovePeerDeprecated: 3,
  /** Completes once every preceding entry has been applied to the FSM. */
  Barrier: 4,
  /** A full cluster configuration (Data = encodeConfiguration). */
  Configuration: 5,
} as const;
export type LogType = (typeof LogType)[keyof typeof LogType];

const LOG_TYPE_NAMES: Record<number, string> = {
  0: 'LogCommand',
  1: 'LogNoop',
  2: 'LogAddPeerDeprecated',
  3: 'LogRemovePeerDeprecated',
  4: 'LogBarrier',
  5: 'LogConfiguration',
};

/** Go's LogType.String(). */
export function logTypeName(type: number): string {
  return LOG_TYPE_NAMES[type] ?? `%!LogType(${type})`;
}

export interface Log {
  /** Position in the log, from 1. Indexes and terms are uint64 in Go; here safe integers (< 2^53). */
  index: number;
  /** The leader's term when the entry was created. */
  term: number;
  type: LogType;
  /** Type-specific payload: the user's command, or an encoded configuration. */
  data: Uint8Array;
  /** Opaque bytes for middleware, replicated with the entry. */
  extensions: Uint8Array;
  /**
   * The leader's wall clock (ms since the Unix epoch) when it appended the
   * entry; 0 stands for Go's zero time. Informational only, never used for
   * coordination (clocks differ between servers).
   */
  appendedAt: number;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** A log entry with defaults for the fields a caller did not give. */
export function makeLog(fields: Partial<Log> & Pick<Log, 'index' | 'term'>): Log {
  return {
    type: LogType.Command,
    data: EMPTY_BYTES,
    extensions: EMPTY_BYTES,
    appendedAt: 0,
    ...fields,
  };
}

/** The same entry: index, term, type, data and extensions (appendedAt is informational). */
export function sameEntry(a: Log, b: Log): boolean {
  return a.index === b.index && a.term === b.term && a.type === b.type && bytesEqual(a.data, b.data) && bytesEqual(a.extensions, b.extensions);
}
