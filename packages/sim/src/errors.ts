import { ShoalError } from '@shoal/kit';

/** The simulation ran more events than allowed in one run call (likely a livelock or a periodic timer with no end). */
export class SimRunawayError extends ShoalError {
  constructor(limit: number, nowMs: number) {
    super(
      'SIM_RUNAWAY',
      `simulation ran ${limit} events in one run call (virtual time ${nowMs} ms); raise maxEvents or bound the run with runFor/runUntil`,
    );
  }
}

/** The event queue emptied while a promise the caller waited for was still pending. */
export class SimDeadlockError extends ShoalError {
  constructor(nowMs: number) {
    super('SIM_DEADLOCK', `no events left at virtual time ${nowMs} ms and the awaited promise is still pending`);
  }
}

/** A run method was called while another run of the same simulation was in progress. */
export class SimReentrancyError extends ShoalError {
  constructor() {
    super('SIM_REENTRANT', 'a simulation run is already in progress (run methods cannot be nested or overlapped)');
  }
}

/**
 * Network errors carry POSIX-style codes so transports can map them the way
 * they map real socket errors: ECONNREFUSED, ETIMEDOUT, ECONNRESET, EPIPE,
 * ENETDOWN (the local node is crashed), EMSGSIZE, EADDRINUSE, EBADF (closed socket).
 */
export class SimNetworkError extends ShoalError {}
