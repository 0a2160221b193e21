// Reads with Consul's consistency modes and blocking queries. Default and
// ?consistent reads wait for raft's read index first (linearizable); ?stale
// reads the local store as it is. With ?index=N the query waits until its
// index passes N or ?wait (default 5 min, at most 10 min, plus up to 1/16 of
// it as jitter) runs out, re-running whenever a table it reads changes.
import { NoLeaderError } from '../errors.js';
import type { Query, QueryResult } from '../state/queries.js';
import type { StateStore } from '../state/store.js';
import { HttpError, flag, type ApiRequest } from './api.js';
import type { ApiContext } from './context.js';
import { parseGoDuration } from './durations.js';

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;
const JITTER_FRACTION = 16;

export interface BlockingParams {
  readonly minIndex: number;
  readonly waitMs: number;
  readonly stale: boolean;
}

export function blockingParams(req: ApiRequest): BlockingParams {
  const stale = flag(req, 'stale');
  if (stale && flag(req, 'consistent')) throw new HttpError(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  const indexText = req.query.get('index');
  let minIndex = 0;
  if (indexText !== null && indexText !== '') {
    if (!/^\d{1,16}$/.test(indexText)) throw new HttpError(400, 'Invalid index');
    minIndex = Number(indexText);
  }
  const waitText = req.query.get('wait');
  let waitMs = DEFAULT_WAIT_MS;
  if (waitText !== null && waitText !== '') {
    const parsed = parseGoDuration(waitText);
    if (parsed === undefined || parsed < 0) throw new HttpError(400, 'Invalid wait time');
    waitMs = Math.min(parsed, MAX_WAIT_MS);
  }
  return { minIndex, waitMs, stale };
}

export interface ReadOutcome<T> extends QueryResult<T> {
  /** X-Consul-Index, X-Consul-KnownLeader, X-Consul-LastContact. */
  readonly headers: Record<string, string>;
}

export function requireStore(ctx: ApiContext): StateStore {
  if (!ctx.store) throw new HttpError(500, 'No known Consul servers');
  return ctx.store;
}

/** Runs `query` as a (possibly blocking) read with the request's consistency mode. */
export async function blockingRead<T>(ctx: ApiContext, req: ApiRequest, query: Query<T>): Promise<ReadOutcome<T>> {
  const store = requireStore(ctx);
  const params = blockingParams(req);
  if (!params.stale) await barrier(ctx, req.signal);
  let result = query.run(store);
  if (params.minIndex > 0 && result.index <= params.minIndex) {
    const waitMs = params.waitMs + ctx.random.float() * (params.waitMs / JITTER_FRACTION);
    let done = false;
    let wake!: () => void;
    const ended = new Promise<void>((resolve) => (wake = resolve));
    const finish = (): void => {
      done = true;
      wake();
    };
    const timer = ctx.clock.after(waitMs, finish);
    req.signal.addEventListener('abort', finish, { once: true });
    try {
      while (!done && !req.signal.aborted && result.index <= params.minIndex) {
        // Watch before re-reading, so that no change slips between the read and the wait.
        const waiter = store.watch.watch(query.tables);
        result = query.run(store);
        if (result.index <= params.minIndex) await Promise.race([waiter.changed, ended]);
        waiter.cancel();
      }
      result = query.run(store);
    } finally {
      timer.cancel();
      req.signal.removeEventListener('abort', finish);
    }
  }
  return { ...result, headers: metaHeaders(ctx, result.index) };
}

export function metaHeaders(ctx: ApiContext, index: number): Record<string, string> {
  const leadership = ctx.replicator.leadership();
  return {
    'x-consul-index': String(index),
    'x-consul-knownleader': String(leadership.knownLeader),
    'x-consul-lastcontact': String(Math.max(0, Math.round(leadership.lastContactMs))),
  };
}

/** Waits for raft's read index; a failure is Consul's 500 "No cluster leader". */
export async function barrier(ctx: ApiContext, signal: AbortSignal): Promise<void> {
  try {
    await ctx.replicator.barrier({ signal });
  } catch (error) {
    throw new NoLeaderError('No cluster leader', { cause: error });
  }
}
