/** Test support: a canned RpcHandler and AppendEntries requests (no I/O). */
import { utf8 } from '@shoal/kit';
import type { AppendEntriesRequest } from '../../commands.js';
import { EMPTY_BYTES, LogType } from '../../log.js';
import type { RpcHandler } from '../transport.js';

const header = { protocolVersion: 3, id: utf8('a'), addr: utf8('a:1') };

export function appendRequest(term: number, prev: number, data = 'x'): AppendEntriesRequest {
  return {
    ...header,
    term,
    leader: utf8('a:1'),
    prevLogEntry: prev,
    prevLogTerm: 1,
    entries: [{ index: prev + 1, term, type: LogType.Command, data: utf8(data), extensions: EMPTY_BYTES, appendedAt: 0 }],
    leaderCommitIndex: prev,
  };
}

/** A handler that answers everything (override any method); snapshots received are kept. */
export function echoHandler(overrides: Partial<RpcHandler> = {}): RpcHandler & { snapshots: Uint8Array[] } {
  const snapshots: Uint8Array[] = [];
  return {
    snapshots,
    appendEntries: async (req) => ({ ...header, term: req.term, lastLog: req.prevLogEntry + req.entries.length, success: true, noRetryBackoff: false }),
    requestVote: async (req) => ({ ...header, term: req.term, peers: EMPTY_BYTES, granted: true }),
    requestPreVote: async (req) => ({ ...header, term: req.term, granted: true }),
    installSnapshot: async (req, data) => {
      const parts: Uint8Array[] = [];
      for await (const chunk of data) parts.push(chunk);
      snapshots.push(Buffer.concat(parts));
      return { ...header, term: req.term, success: true };
    },
    timeoutNow: async () => ({ ...header }),
    ...overrides,
  };
}

