// Forwarded writes to one leader, batched: a write that finds fewer than
// MAX_IN_FLIGHT requests under way to its target goes at once, alone, to the
// apply endpoint; writes that arrive meanwhile wait and go together, in
// arrival order, to apply-batch (apply-batch.ts) when one of those requests
// ends. Each write gets back exactly the status and body the apply endpoint
// would have given it, or its batch's transport error (never connected: safe
// to send elsewhere; else the outcome is unknown), so the leader channel
// treats it as it would a write of its own. Other requests pass through.
// A leader that does not know apply-batch (404) gets the writes one by one.

import { decodeBatchAnswer, encodeBatchRequest, MAX_BATCH_COMMANDS } from './apply-batch.js';
import { APPLY_BATCH_PATH, APPLY_PATH } from './internal-api.js';
import type { InternalClient } from './internal-client.js';

/** Requests under way to one target before writes wait to be batched. */
const MAX_IN_FLIGHT = 2;
/** A batch's commands together stay under this; a larger command goes alone. */
const MAX_BATCH_BYTES = 1024 * 1024;

type Answer = { status: number; body: Uint8Array };

interface Waiting {
  readonly body: Uint8Array;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
}

interface Target {
  inFlight: number;
  waiting: Waiting[];
}

export class BatchingInternalClient implements InternalClient {
  readonly #inner: InternalClient;
  readonly #targets = new Map<string, Target>();

  constructor(inner: InternalClient) {
    this.#inner = inner;
  }

  post(target: string, path: string, body: Uint8Array, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Answer> {
    if (path !== APPLY_PATH) return this.#inner.post(target, path, body, options);
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const t = this.#target(target);
    if (t.inFlight < MAX_IN_FLIGHT || body.length > MAX_BATCH_BYTES) return this.#send(target, t, path, body, options);
    return new Promise<Answer>((resolve, reject) => {
      const { signal, timeoutMs } = options;
      const waiting: Waiting = {
        body,
        timeoutMs,
        signal,
        resolve,
        reject,
        onAbort: () => {
          // Not sent yet: it leaves the queue, and nothing was done.
          t.waiting = t.waiting.filter((w) => w !== waiting);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', waiting.onAbort, { once: true });
      t.waiting.push(waiting);
    });
  }

  #target(target: string): Target {
    let t = this.#targets.get(target);
    if (t === undefined) this.#targets.set(target, (t = { inFlight: 0, waiting: [] }));
    return t;
  }

  async #send(target: string, t: Target, path: string, body: Uint8Array, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Answer> {
    t.inFlight++;
    try {
      return await this.#inner.post(target, path, body, options);
    } finally {
      t.inFlight--;
      this.#next(target, t);
    }
  }

  /** Sends what waits for `target`, as one batch of up to MAX_BATCH_COMMANDS and MAX_BATCH_BYTES. */
  #next(target: string, t: Target): void {
    if (t.waiting.length === 0) {
      if (t.inFlight === 0) this.#targets.delete(target);
      return;
    }
    let bytes = 0;
    let n = 0;
    while (n < t.waiting.length && n < MAX_BATCH_COMMANDS && (n === 0 || bytes + t.waiting[n]!.body.length <= MAX_BATCH_BYTES)) bytes += t.waiting[n++]!.body.length;
    const batch = t.waiting.splice(0, n).map((w) => {
      w.signal?.removeEventListener('abort', w.onAbort);
      return w.signal === undefined ? w : sentWait(w, w.signal);
    });
    void this.#sendBatch(target, t, batch);
  }

  async #sendBatch(target: string, t: Target, batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch;
      this.#send(target, t, APPLY_PATH, only!.body, { timeoutMs: only!.timeoutMs, ...(only!.signal ? { signal: only!.signal } : {}) }).then(only!.resolve, only!.reject);
      return;
    }
    const timeoutMs = Math.max(...batch.map((w) => w.timeoutMs));
    let answer: Answer;
    try {
      // No signal: one writer leaving does not cut the others' request; its own wait ends below.
      answer = await this.#send(target, t, APPLY_BATCH_PATH, encodeBatchRequest(batch.map((w) => w.body)), { timeoutMs });
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    if (answer.status === 404) {
      // A leader without apply-batch did nothing with it: one by one, then.
      for (const w of batch) this.#send(target, t, APPLY_PATH, w.body, { timeoutMs: w.timeoutMs, ...(w.signal ? { signal: w.signal } : {}) }).then(w.resolve, w.reject);
      return;
    }
    const answers = answer.status === 200 ? decodeBatchAnswer(answer.body, batch.length) : undefined;
    // A whole-batch refusal (or an unreadable answer) is each write's answer.
    batch.forEach((w, i) => w.resolve(answers?.[i] ?? answer));
  }
}

/** A sent write whose writer leaves stops waiting at once (the request may still arrive: its outcome is unknown to it). */
function sentWait(w: Waiting, signal: AbortSignal): Waiting {
  const onAbort = (): void => w.reject(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const done = (): void => signal.removeEventListener('abort', onAbort);
  return {
    ...w,
    onAbort,
    resolve: (answer) => (done(), w.resolve(answer)),
    reject: (error) => (done(), w.reject(error)),
  };
}
