// The agent's typed errors. Each has a stable `code` callers switch on; the
// HTTP layer maps codes to Consul's status codes and messages.
import { ShoalError } from '@shoal/kit';

/**
 * The store refused a command while applying it (a missing session, node or
 * check, a critical check). Deterministic: every server refuses the same way.
 */
export class StateError extends ShoalError {
  constructor(
    code: 'ERR_INVALID_SESSION' | 'ERR_MISSING_NODE' | 'ERR_MISSING_CHECK' | 'ERR_CHECK_CRITICAL' | 'ERR_MISSING_SERVICE' | 'ERR_SESSION_EXISTS',
    message: string,
  ) {
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

/** A write or a consistent read could not be served because no leader is known or reachable. */
export class NoLeaderError extends ShoalError {
  constructor(message = 'No cluster leader', options?: { cause?: unknown }) {
    super('ERR_NO_LEADER', message, options);
  }
}
