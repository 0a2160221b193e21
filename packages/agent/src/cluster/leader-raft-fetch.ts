// The leader's raft view for a follower's dashboard: only the leader knows
// each server's match index, so a follower asks the leader's HTTP API (its
// address from gossip) for /v1/internal/ui/agent and keeps the raft view of
// the answer, if the answer still comes from a leader. Bounded in time; any
// failure is "no view", never an error, as the dashboard just shows less.
import type { Clock } from '@shoal/kit';
import type { RaftView } from '../http/context.js';
import { raftViewFromJson } from '../http/ui-raft-json.js';

/** Answers larger than this are not a raft view. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export async function fetchLeaderRaft(httpAddress: string, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<RaftView | undefined> {
  const abort = new AbortController();
  const onAbort = (): void => abort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = clock.after(timeoutMs, onAbort);
  try {
    const res = await fetch(`http://${httpAddress}/v1/internal/ui/agent`, { signal: abort.signal });
    if (!res.ok) return undefined;
    const text = await res.text();
    if (text.length > MAX_ANSWER_BYTES) return undefined;
    const body = JSON.parse(text) as unknown;
    const view = typeof body === 'object' && body !== null ? raftViewFromJson((body as { Raft?: unknown }).Raft) : undefined;
    return view?.state === 'Leader' ? view : undefined;
  } catch {
    return undefined;
  } finally {
    timer.cancel();
    signal.removeEventListener('abort', onAbort);
  }
}
