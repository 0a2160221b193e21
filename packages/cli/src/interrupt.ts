/**
 * Stopping long commands on SIGINT/SIGTERM. The bin aborts the command's
 * signal and, once the command returns, exits at once, so work left running
 * in the background (a simulation that cannot be cancelled) ends with it.
 */

/** Exit status of a command stopped by a signal before it finished: 128 + the signal's number, as shells report it. */
export function interruptedExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGINT' ? 130 : 143;
}

/** The name of the signal that aborted `signal` (SIGINT or SIGTERM from the bin). */
export function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'an interrupt';
}

/**
 * Waits for `work`, or for `signal` to abort, whichever comes first. On an
 * abort, `work` is left behind: its eventual failure is swallowed, since
 * nobody waits for it any more.
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<{ finished: true; value: T } | { finished: false }> {
  if (signal.aborted) {
    work.catch(() => {});
    return { finished: false };
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<{ finished: false }>((resolve) => {
    onAbort = () => resolve({ finished: false });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([work.then((value) => ({ finished: true as const, value })), aborted]);
    if (!outcome.finished) work.catch(() => {});
    return outcome;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/**
 * Exit status of a server-like command (one that runs until told to stop)
 * once a signal stopped it: SIGINT is an interruption, 130 as shells expect;
 * SIGTERM is how a supervisor asks it to stop, so the orderly stop is 0.
 */
export function stoppedExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGINT' ? 130 : 0;
}
