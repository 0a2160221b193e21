/** A connection the server side closes on purpose, and why (the `reason` label of raft.net.conn_dropped). */

/** Why a connection was dropped: the `reason` label of raft.net.conn_dropped. */
export type DropReason = 'malformed' | 'unknown_rpc' | 'too_large' | 'timeout' | 'idle' | 'evicted' | 'over_limit';

/** Carried as the connection's failure, so the serve loop can count the drop by reason. */
export class DropError extends Error {
  constructor(
    readonly reason: DropReason,
    message: string,
  ) {
    super(message);
    this.name = 'DropError';
  }
}
