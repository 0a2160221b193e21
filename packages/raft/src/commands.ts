/**
 * RPC messages, field for field Go's commands.go (upstream, so the RPCHeader
 * carries ID and Addr). Go embeds RPCHeader and go-msgpack flattens it: here
 * every message extends RpcHeader, so a schema codec writes the same keys
 * (ProtocolVersion, ID, Addr, Term, ...; camelCase here maps one-to-one onto
 * Go's field names). uint64 fields are safe integers.
 */
import type { Log } from './log.js';
import { EMPTY_BYTES } from './log.js';

export interface RpcHeader {
  protocolVersion: number;
  /** Sender's ServerID bytes (empty from Go raft before 1.3.7). */
  id: Uint8Array;
  /** Sender's encoded address (empty from Go raft before 1.3.7). */
  addr: Uint8Array;
}

export interface AppendEntriesRequest extends RpcHeader {
  term: number;
  /** Deprecated in Go but still sent: the leader's encoded address. */
  leader: Uint8Array;
  prevLogEntry: number;
  prevLogTerm: number;
  entries: Log[];
  leaderCommitIndex: number;
}

export interface AppendEntriesResponse extends RpcHeader {
  term: number;
  /** The follower's last log index: a hint that speeds up log repair. */
  lastLog: number;
  success: boolean;
  /** The failure needs no backoff before the next attempt (log mismatch, not trouble). */
  noRetryBackoff: boolean;
}

export interface RequestVoteRequest extends RpcHeader {
  term: number;
  /** Deprecated in Go but still sent: the candidate's encoded address. */
  candidate: Uint8Array;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Set by a leadership transfer: voters ignore that they know a leader. */
  leadershipTransfer: boolean;
}

export interface RequestVoteResponse extends RpcHeader {
  term: number;
  /** Only filled for protocol < 2; always empty here. */
  peers: Uint8Array;
  granted: boolean;
}

export interface RequestPreVoteRequest extends RpcHeader {
  /** The term the candidate would campaign in (current + 1); not adopted by voters. */
  term: number;
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface RequestPreVoteResponse extends RpcHeader {
  term: number;
  granted: boolean;
}

export interface InstallSnapshotRequest extends RpcHeader {
  snapshotVersion: number;
  term: number;
  leader: Uint8Array;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Legacy peers encoding of the snapshot's configuration. */
  peers: Uint8Array;
  /** encodeConfiguration of the snapshot's configuration. */
  configuration: Uint8Array;
  configurationIndex: number;
  /** Exactly this many bytes of snapshot data follow. */
  size: number;
}

export interface InstallSnapshotResponse extends RpcHeader {
  term: number;
  success: boolean;
}

export type TimeoutNowRequest = RpcHeader;
export type TimeoutNowResponse = RpcHeader;

/** A zeroed header (what Go leaves in responses it does not stamp). */
export function emptyHeader(): RpcHeader {
  return { protocolVersion: 0, id: EMPTY_BYTES, addr: EMPTY_BYTES };
}

/** Go's heartbeat test (upstream): term and leader set, everything else zero. */
export function isHeartbeat(req: AppendEntriesRequest): boolean {
  return (
    req.term !== 0 &&
    (req.addr.length > 0 || req.leader.length > 0) &&
    req.prevLogEntry === 0 &&
    req.prevLogTerm === 0 &&
    req.entries.length === 0 &&
    req.leaderCommitIndex === 0
  );
}
