// Polling for the tests of real processes and sockets, where an outcome
// shows up some time later: the probe is asked again until it yields one.
import { sleep, type Clock } from '../clock.js';
import { realClock } from '../real-clock.js';

/**
 * Resolves with the first value `probe` returns (or resolves to) other than
 * undefined or false, asking every `intervalMs`. A probe that throws is asked
 * again; after `timeoutMs` this rejects naming `what` and the last error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 45_000,
  intervalMs = 100,
  clock: Clock = realClock,
): Promise<T> {
  const deadline = clock.now() + timeoutMs;
  let last: unknown;
  while (clock.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(clock, intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
}
