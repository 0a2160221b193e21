/** Raft's tunables: Go's Config, DefaultConfig and ValidateConfig, in milliseconds. */
import type { Logger, Metrics } from '@shoal/kit';
import type { ServerID } from './configuration.js';
import { InvalidConfigError } from './errors.js';

/** kit's Logger (pino-compatible); raft is silent unless given one. */
export type RaftLogger = Logger;

export const PROTOCOL_VERSION_MIN = 0;
export const PROTOCOL_VERSION_MAX = 3;
export const SNAPSHOT_VERSION_MIN = 0;
export const SNAPSHOT_VERSION_MAX = 1;
/** Go's SuggestedMaxDataSize: larger entries risk delaying heartbeats. */
export const SUGGESTED_MAX_DATA_SIZE = 512 * 1024;

export interface Config {
  /** Only 3 is implemented (server IDs distinct from addresses). */
  protocolVersion: number;
  /** Follower time without leader contact before it campaigns. Elections fire in [t, 2t). */
  heartbeatTimeoutMs: number;
  /** Candidate time without winning before it campaigns again. */
  electionTimeoutMs: number;
  /** Leader idle time before it sends AppendEntries anyway (commit index propagation). */
  commitTimeoutMs: number;
  /** Entries per AppendEntries and per FSM batch; the leader writes up to 16 times this to its log at once. */
  maxAppendEntries: number;
  /** Go's BatchApplyCh has no counterpart: applies are always batched without breaking the apply timeout. */
  batchApplyCh: boolean;
  /** Shut down when the committed configuration no longer contains this server as a voter. */
  shutdownOnRemove: boolean;
  /** Entries kept after a snapshot, so slightly lagging followers get logs rather than a snapshot. */
  trailingLogs: number;
  /** How often (with jitter up to 2x) the snapshot threshold is checked. */
  snapshotIntervalMs: number;
  /** Entries since the last snapshot that trigger a new one. */
  snapshotThreshold: number;
  /** A leader without contact with a quorum for this long steps down. */
  leaderLeaseTimeoutMs: number;
  localId: ServerID;
  /** Called on every leadership change (Go's NotifyCh, but never blocks raft). */
  notify?: (isLeader: boolean) => void;
  logger?: RaftLogger;
  /** Where raft counts what it does (Go's metric names, e.g. `raft.storage.errors`); none unless given. */
  metrics?: Metrics;
  /** Do not restore the newest snapshot into the FSM at start (metadata still used). */
  noSnapshotRestoreOnStart: boolean;
  preVoteDisabled: boolean;
  /**
   * Beyond Go: allow `readIndex({ lease: true })` to answer from the leader's
   * lease without a heartbeat round. Safe only when every server uses the same
   * heartbeatTimeoutMs and clocks advance at rates within `maxClockDriftRatio`
   * of each other (see docs/raft.md).
   */
  leaseReads: boolean;
  /** Bound on relative clock-rate difference assumed by lease reads (0.05 = 5%). */
  maxClockDriftRatio: number;
  /**
   * Beyond Go: the leader sends new entries to followers while it writes
   * them to its own log (etcd's parallel append) instead of after, so a
   * commit waits for the second fastest of the leader's disk and the
   * followers' round trips, not for both in turn. Commitment counts the
   * leader only once its copy is durable, so an acknowledged apply is
   * durable on a quorum as before; an entry a quorum of followers made
   * durable is answered even while the leader's own write of it runs. The
   * price: an apply that fails because the leader's write failed may still
   * be committed by the followers (as one failing with LeadershipLostError
   * may be); with this off it never is.
   */
  parallelAppend: boolean;
}

/** The fields reloadConfig may change at runtime. */
export interface ReloadableConfig {
  trailingLogs: number;
  snapshotIntervalMs: number;
  snapshotThreshold: number;
  heartbeatTimeoutMs: number;
  electionTimeoutMs: number;
}

/** Go's DefaultConfig(), with localId still to be set. */
export function defaultConfig(): Config {
  return {
    protocolVersion: PROTOCOL_VERSION_MAX,
    heartbeatTimeoutMs: 1000,
    electionTimeoutMs: 1000,
    commitTimeoutMs: 50,
    maxAppendEntries: 64,
    batchApplyCh: false,
    shutdownOnRemove: true,
    trailingLogs: 10240,
    snapshotIntervalMs: 120_000,
    snapshotThreshold: 8192,
    leaderLeaseTimeoutMs: 500,
    localId: '',
    noSnapshotRestoreOnStart: false,
    preVoteDisabled: false,
    leaseReads: false,
    maxClockDriftRatio: 0.05,
    parallelAppend: false,
  };
}

/** Go's inmemConfig for tests: 50 ms timeouts, 5 ms commit timeout. */
export function testConfig(localId: ServerID): Config {
  return {
    ...defaultConfig(),
    localId,
    heartbeatTimeoutMs: 50,
    electionTimeoutMs: 50,
    leaderLeaseTimeoutMs: 50,
    commitTimeoutMs: 5,
  };
}

/** Go's ValidateConfig, with its messages. */
export function validateConfig(c: Config): void {
  if (c.protocolVersion !== PROTOCOL_VERSION_MAX) {
    throw new InvalidConfigError(`ProtocolVersion ${c.protocolVersion} must be ${PROTOCOL_VERSION_MAX} (only protocol 3 is implemented)`);
  }
  if (c.localId === '') throw new InvalidConfigError('LocalID cannot be empty');
  if (c.heartbeatTimeoutMs < 5) throw new InvalidConfigError('HeartbeatTimeout is too low');
  if (c.electionTimeoutMs < 5) throw new InvalidConfigError('ElectionTimeout is too low');
  if (c.commitTimeoutMs < 1) throw new InvalidConfigError('CommitTimeout is too low');
  if (!Number.isInteger(c.maxAppendEntries) || c.maxAppendEntries <= 0) throw new InvalidConfigError('MaxAppendEntries must be positive');
  if (c.maxAppendEntries > 1024) throw new InvalidConfigError('MaxAppendEntries is too large');
  if (c.snapshotIntervalMs < 5) throw new InvalidConfigError('SnapshotInterval is too low');
  if (c.leaderLeaseTimeoutMs < 5) throw new InvalidConfigError('LeaderLeaseTimeout is too low');
  if (c.leaderLeaseTimeoutMs > c.heartbeatTimeoutMs) throw new InvalidConfigError('LeaderLeaseTimeout cannot be larger than heartbeat timeout');
  if (c.electionTimeoutMs < c.heartbeatTimeoutMs) throw new InvalidConfigError('ElectionTimeout must be equal or greater than Heartbeat Timeout');
  if (!(c.maxClockDriftRatio >= 0 && c.maxClockDriftRatio < 1)) throw new InvalidConfigError('MaxClockDriftRatio must be in [0, 1)');
  for (const [name, v] of [['TrailingLogs', c.trailingLogs], ['SnapshotThreshold', c.snapshotThreshold]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidConfigError(`${name} must be a non-negative integer`);
  }
}

export function reloadableOf(c: Config): ReloadableConfig {
  return {
    trailingLogs: c.trailingLogs,
    snapshotIntervalMs: c.snapshotIntervalMs,
    snapshotThreshold: c.snapshotThreshold,
    heartbeatTimeoutMs: c.heartbeatTimeoutMs,
    electionTimeoutMs: c.electionTimeoutMs,
  };
}
