// The cluster agent's timings, with Consul's values where Consul has one.

export interface ClusterTiming {
  /** Reconcile period while leading (Consul's reconcile_interval). */
  readonly reconcileIntervalMs: number;
  /** Delay before a failed reconcile runs again. */
  readonly reconcileRetryMs: number;
  /**
   * How long after start a leader waits before reaping catalog nodes no member
   * accounts for, so gossip can first tell it of every member (memberlist's
   * LAN push/pull interval).
   */
  readonly reapSettleMs: number;
  /** How long failed and left members are remembered (Consul's reconnect_timeout). */
  readonly reconnectTimeoutMs: number;
  /** Period of the housekeeping tick: bootstrap checks, tags, the voter list. */
  readonly tickMs: number;
  /** How long writes and barriers look for a leader (Consul's rpc_hold_timeout). */
  readonly leaderWaitMs: number;
  /** Longest wait for a write to commit and apply on the leader. */
  readonly applyTimeoutMs: number;
  /** Longest wait for a read-index round on the leader. */
  readonly readTimeoutMs: number;
  /** Longest wait for a follower's store to reach the leader's read index. */
  readonly catchUpTimeoutMs: number;
  /** Longest wait for one raft configuration change. */
  readonly changeTimeoutMs: number;
  /**
   * Least time between two publications of this agent's Lifeguard health
   * score in its gossip tags (each is a memberlist updateNode gossiped to
   * every member; health-score-publisher.ts).
   */
  readonly healthScorePublishMs: number;
  /** Longest wait for the leave broadcast to go out. */
  readonly leaveBroadcastMs: number;
  /** How long a leaving server waits to see itself removed from raft (Consul waits the same). */
  readonly leaveDrainMs: number;
}

export const DEFAULT_CLUSTER_TIMING: ClusterTiming = {
  reconcileIntervalMs: 60_000,
  reconcileRetryMs: 1_000,
  reapSettleMs: 30_000,
  reconnectTimeoutMs: 72 * 60 * 60 * 1000,
  tickMs: 1_000,
  leaderWaitMs: 7_000,
  applyTimeoutMs: 10_000,
  readTimeoutMs: 5_000,
  catchUpTimeoutMs: 5_000,
  changeTimeoutMs: 10_000,
  healthScorePublishMs: 5_000,
  leaveBroadcastMs: 5_000,
  leaveDrainMs: 5_000,
};
