/**
 * Typed raft errors. Messages are Go raft's own (so logs and operators read
 * the same text across languages); `code` is stable and is what callers
 * should switch on.
 */
import { ShoalError } from '@shoal/kit';
import type { ServerAddress, ServerID } from './ids.js';

export class RaftError extends ShoalError {}

/** An operation needs the leader and this node is not it. Carries the known leader, if any. */
export class NotLeaderError extends RaftError {
  readonly leaderAddress: ServerAddress;
  readonly leaderId: ServerID;
  constructor(leaderAddress: ServerAddress = '', leaderId: ServerID = '') {
    super('ERR_NOT_LEADER', 'node is not the leader');
    this.leaderAddress = leaderAddress;
    this.leaderId = leaderId;
  }
}

export class LeaderError extends RaftError {
  constructor() {
    super('ERR_LEADER', 'node is the leader');
  }
}

export class NotVoterError extends RaftError {
  constructor() {
    super('ERR_NOT_VOTER', 'node is not a voter');
  }
}

/**
 * The leader was deposed before the entry committed. The entry may still be
 * committed by a later leader: its outcome is unknown.
 */
export class LeadershipLostError extends RaftError {
  constructor() {
    super('ERR_LEADERSHIP_LOST', 'leadership lost while committing log');
  }
}

export class AbortedByRestoreError extends RaftError {
  constructor() {
    super('ERR_ABORTED_BY_RESTORE', 'snapshot restored while committing log');
  }
}

export class RaftShutdownError extends RaftError {
  constructor() {
    super('ERR_RAFT_SHUTDOWN', 'raft is already shutdown');
  }
}

/** The operation timed out before it was written to the log: it definitely did not happen. */
export class EnqueueTimeoutError extends RaftError {
  constructor() {
    super('ERR_ENQUEUE_TIMEOUT', 'timed out enqueuing operation');
  }
}

/**
 * Beyond Go: the entry was written to the leader's log but was not applied
 * before the caller's timeout. Its outcome is unknown (it may still commit).
 */
export class ApplyTimeoutError extends RaftError {
  readonly index: number;
  constructor(index: number) {
    super('ERR_APPLY_TIMEOUT', `timed out waiting for log ${index} to be applied`);
    this.index = index;
  }
}

export class NothingNewToSnapshotError extends RaftError {
  constructor() {
    super('ERR_NOTHING_NEW_TO_SNAPSHOT', 'nothing new to snapshot');
  }
}

export class UnsupportedProtocolError extends RaftError {
  constructor() {
    super('ERR_UNSUPPORTED_PROTOCOL', 'operation not supported with current protocol version');
  }
}

export class CantBootstrapError extends RaftError {
  constructor() {
    super('ERR_CANT_BOOTSTRAP', 'bootstrap only works on new clusters');
  }
}

export class LeadershipTransferInProgressError extends RaftError {
  constructor() {
    super('ERR_LEADERSHIP_TRANSFER_IN_PROGRESS', 'leadership transfer in progress');
  }
}

export class LogNotFoundError extends RaftError {
  constructor() {
    super('ERR_LOG_NOT_FOUND', 'log not found');
  }
}

export class PipelineReplicationNotSupportedError extends RaftError {
  constructor() {
    super('ERR_PIPELINE_REPLICATION_NOT_SUPPORTED', 'pipeline replication not supported');
  }
}

export class TransportShutdownError extends RaftError {
  constructor() {
    super('ERR_TRANSPORT_SHUTDOWN', 'transport shutdown');
  }
}

export class PipelineShutdownError extends RaftError {
  constructor() {
    super('ERR_PIPELINE_SHUTDOWN', 'append pipeline closed');
  }
}

/** A StableStore key that was never set (Go's stores answer with the bare message "not found"). */
export class KeyNotFoundError extends RaftError {
  constructor() {
    super('ERR_KEY_NOT_FOUND', 'not found');
  }
}

/** A peer could not be reached (connection refused, disconnected, partitioned). */
export class PeerUnreachableError extends RaftError {
  constructor(target: ServerAddress) {
    super('ERR_PEER_UNREACHABLE', `failed to connect to peer: ${target}`);
  }
}

/** An RPC got no answer within the transport's timeout. */
export class RpcTimeoutError extends RaftError {
  constructor() {
    super('ERR_RPC_TIMEOUT', 'command timed out');
  }
}

/** A leadership transfer did not complete within the election timeout. */
export class LeadershipTransferTimeoutError extends RaftError {
  constructor() {
    super('ERR_LEADERSHIP_TRANSFER_TIMEOUT', 'leadership transfer timeout');
  }
}

/** A configuration change or configuration value that raft refuses. */
export class ConfigurationError extends RaftError {
  constructor(message: string) {
    super('ERR_BAD_CONFIGURATION', message);
  }
}

/** Invalid Config values (ValidateConfig). */
export class InvalidConfigError extends RaftError {
  constructor(message: string) {
    super('ERR_INVALID_CONFIG', message);
  }
}

/** Bytes that do not decode to the expected structure. */
export class DecodeError extends RaftError {
  constructor(message: string) {
    super('ERR_DECODE', message);
  }
}

/** A snapshot problem: unsupported version, short read, failed store. */
export class SnapshotError extends RaftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SNAPSHOT', message, options);
  }
}

/** An internal invariant broke: a bug in raft (or a store that lies). Never caught and ignored. */
export class RaftInvariantError extends RaftError {
  constructor(message: string) {
    super('ERR_RAFT_INVARIANT', `raft invariant violated: ${message}`);
  }
}

/** Asserts an invariant inside protocol code (TigerBeetle style): cheap, always on. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new RaftInvariantError(typeof message === 'string' ? message : message());
}

/** A read could not confirm leadership (or catch up) within its timeout. Reads have no effect, so retrying is safe. */
export class ReadTimeoutError extends RaftError {
  constructor() {
    super('ERR_READ_TIMEOUT', 'timed out confirming leadership for a read');
  }
}

/**
 * A store file holds bytes that were once acknowledged as durable but no
 * longer read back intact: a checksum mismatch or undecodable record before
 * the log's last commit marker, a missing range, or a garbage file. Never
 * repaired silently; an operator decides (restore from a peer or a snapshot).
 */
export class LogCorruptionError extends RaftError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string) {
    super('ERR_LOG_CORRUPTION', `log store corrupt: ${file} at offset ${offset}: ${reason}`);
    this.file = file;
    this.offset = offset;
  }
}

/** A disk store refuses work: an earlier write or sync failed (what reached the disk is unknown until reopened), or it was closed. */
export class LogStoreFailedError extends RaftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LOG_STORE_FAILED', message, options);
  }
}
