// Errors of the cluster layer. Each has a stable `code`; callers switch on it.
// Errors that crossed the internal channel from the leader keep the leader's
// code, so a write fails the same way whether it was applied here or forwarded.

import { ShoalError } from '@shoal/kit';

export class ClusterError extends ShoalError {}

/** No leader was known or reachable within the write's or barrier's bounded retries. */
export class NoLeaderError extends ClusterError {
  constructor(detail: string) {
    super('ERR_NO_LEADER', `no cluster leader: ${detail}`);
  }
}


/**
 * The request may have reached the leader but no answer came back: the
 * write's outcome is unknown, so it is not retried.
 */
export class ForwardOutcomeUnknownError extends ClusterError {
  constructor(target: string, cause: unknown) {
    super('ERR_FORWARD_OUTCOME_UNKNOWN', `no answer from ${target} after the request was sent: ${messageOf(cause)}`, { cause });
  }
}

/** The leader answered with an error; `code` is the leader's. */
export class RemoteClusterError extends ClusterError {
  /** HTTP status of the leader's answer. */
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(code, message);
    this.status = status;
  }
}



export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stable code of an error, if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The target never accepted the connection: the request cannot have reached it, so another try is safe. */
export class TargetUnreachableError extends ClusterError {
  readonly target: string;
  constructor(target: string, cause: unknown) {
    super('ERR_TARGET_UNREACHABLE', `cannot connect to ${target}: ${messageOf(cause)}`, { cause });
    this.target = target;
  }
}

/** A follower did not apply the leader's read index in time (it lags, or is cut off from the leader). */
export class BarrierTimeoutError extends ClusterError {
  constructor(index: number, applied: number, timeoutMs: number) {
    super('ERR_BARRIER_TIMEOUT', `applied index ${applied} did not reach the leader's read index ${index} within ${timeoutMs} ms`);
  }
}
