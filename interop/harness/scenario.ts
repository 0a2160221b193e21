// Scaffolding shared by the mixed Go/shoal suites: test registration that
// skips (with the reason in the name) only outside CI when Go is missing,
// cleanup of every node a test started, pass or fail, and helpers for lossy
// sends and incompressible payloads.
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import type { EventLog, MemberEvent } from './event-log.js';

/** Scenarios still running: a test that timed out has not cleaned up, so the file's end does. */
const running = new Set<Nodes>();
after(async () => {
  for (const nodes of running) await nodes.stopAll().catch(() => undefined);
});

/** Waits for things that normally take well under a second (joins, gossip, messages). */
export const WAIT_MS = 20_000;
/**
 * Waits for failure detection: a probe must reach the node (round robin, 1 s
 * per probe in the local profile), then Lifeguard's suspicion runs 3-18 s.
 */
export const DETECT_MS = 45_000;

interface Stoppable {
  stop(): Promise<void>;
}

/** Everything a test started; stopped in reverse order when the test ends. */
export class Nodes {
  readonly #started: Stoppable[] = [];

  add<T extends Stoppable>(node: T): T {
    this.#started.push(node);
    return node;
  }

  async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const node of this.#started.reverse()) {
      try {
        await node.stop();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#started.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'stopping nodes failed');
  }
}

/** Records how long each phase of a scenario took (printed as test diagnostics). */
export type Note = (phase: string) => void;

export type ScenarioTest = (name: string, timeoutMs: number, fn: (nodes: Nodes, note: Note) => Promise<void>) => void;

/**
 * Returns the test registrar of a suite that needs what `missing` reports
 * (undefined: all there). Each scenario's `fn` registers what it starts in
 * `nodes`, which are stopped afterwards, and may `note` phases to report their
 * timing. Without its prerequisites a scenario is skipped with the reason in
 * its name (goMissingReason throws instead in CI).
 */
export function scenarioTest(missing: string | undefined): ScenarioTest {
  return (name, timeoutMs, fn) => test(missing ? `${name} (skipped: ${missing})` : name, { skip: missing !== undefined, timeout: timeoutMs }, async (t) => {
    const nodes = new Nodes();
    running.add(nodes);
    const started = Date.now();
    let last = started;
    const note: Note = (phase) => {
      const now = Date.now();
      t.diagnostic(`${phase}: ${now - last} ms (at ${now - started} ms)`);
      last = now;
    };
    let failure: { error: unknown } | undefined;
    try {
      await fn(nodes, note);
    } catch (error) {
      failure = { error };
    }
    try {
      await nodes.stopAll();
    } catch (error) {
      // A failure to clean up after a failed test must not hide why it failed.
      if (!failure) throw error;
    }
    running.delete(nodes);
    if (failure) throw failure.error;
  });
}

/** A fresh 32-byte secret key, base64. */
export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Best-effort messages are single UDP packets that may be lost: sends until
 * one arrives (at most `attempts` tries, `perTryMs` apart). Resolves with the
 * number of tries it took.
 */
export async function sendUntilSeen(send: () => unknown, log: EventLog<MemberEvent>, predicate: (e: MemberEvent) => boolean, what: string, attempts = 10, perTryMs = 2000): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    await send();
    try {
      await log.waitFor(predicate, perTryMs, what);
      return attempt;
    } catch (error) {
      if (attempt >= attempts || log.closed) throw error;
    }
  }
}

/**
 * `length` printable characters that compress poorly but are the same for
 * the same seed (an xorshift stream over a 64-letter alphabet): payloads that
 * make LZW do real work.
 */
export function noiseText(seed: number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let x = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += alphabet[x & 63];
  }
  return out;
}
