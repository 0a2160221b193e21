// Polling for a condition, as the examples wait for a cluster to settle.
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `condition` holds; gives up after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}
