// The agent's typed errors, all of them. Each has a stable `code` callers
// switch on; the HTTP layer maps codes to Consul's status codes and messages.
// An error that crossed the internal endpoints from the leader keeps the
// leader's code, so a write fails the same way whether it was applied here or
// forwarded (remoteError).
import { ShoalError } from '@shoal/kit';

/** The codes of the store's refusals. */
export const STATE_ERROR_CODES = ['ERR_INVALID_SESSION', 'ERR_MISSING_NODE', 'ERR_MISSING_CHECK', 'ERR_CHECK_CRITICAL', 'ERR_MISSING_SERVICE', 'ERR_SESSION_EXISTS'] as const;
export type StateErrorCode = (typeof STATE_ERROR_CODES)[number];

/**
 * The store refused a command while applying it (a missing session, node or
 * check, a critical check). Deterministic: every server refuses the same way.
 */
export class StateError extends ShoalError {
  constructor(code: StateErrorCode, message: string) {
    super(code, message);
  }
}

/** Bytes that are not a valid encoded Command or snapshot. */
export class AgentDecodeError extends ShoalError {
  constructor(message: string) {
    super('ERR_AGENT_DECODE', message);
  }
}

/** An internal rule of the store was broken: a bug, never bad input. */
export class StateInvariantError extends ShoalError {
  constructor(message: string) {
    super('ERR_STATE_INVARIANT', message);
  }
}

/** A write or a consistent read could not be served: no leader was known or reachable in time. */
export class NoLeaderError extends ShoalError {
  constructor(detail?: string, options?: { cause?: unknown }) {
    super('ERR_NO_LEADER', detail === undefined ? 'No cluster leader' : `No cluster leader: ${detail}`, options);
  }
}

/**
 * The request may have reached the leader but no answer came back: the
 * write's outcome is unknown, so it is not retried.
 */
export class ForwardOutcomeUnknownError extends ShoalError {
  constructor(target: string, cause: unknown) {
    super('ERR_FORWARD_OUTCOME_UNKNOWN', `no answer from ${target} after the request was sent: ${messageOf(cause)}`, { cause });
  }
}

/** The leader answered with an error other than a store refusal; `code` is the leader's (raft's, often). */
export class RemoteError extends ShoalError {
  /** HTTP status of the leader's answer. */
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(code, message);
    this.status = status;
  }
}

/** The target never accepted the connection: the request cannot have reached it, so another try is safe. */
export class TargetUnreachableError extends ShoalError {
  readonly target: string;
  constructor(target: string, cause: unknown) {
    super('ERR_TARGET_UNREACHABLE', `cannot connect to ${target}: ${messageOf(cause)}`, { cause });
    this.target = target;
  }
}

/** A follower did not apply the leader's read index in time (it lags, or is cut off from the leader). */
export class BarrierTimeoutError extends ShoalError {
  constructor(index: number, applied: number, timeoutMs: number) {
    super('ERR_BARRIER_TIMEOUT', `applied index ${applied} did not reach the leader's read index ${index} within ${timeoutMs} ms`);
  }
}

/** The error an answer from the leader stands for: the store's own refusal again, or a RemoteError. */
export function remoteError(code: string, message: string, status: number): StateError | RemoteError {
  return (STATE_ERROR_CODES as readonly string[]).includes(code) ? new StateError(code as StateErrorCode, message) : new RemoteError(code, message, status);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stable code of an error, if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
