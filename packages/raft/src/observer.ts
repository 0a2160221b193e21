/**
 * Observers (Go's observer.go): typed observations of a raft node's life,
 * consumed as an async iterator or through a callback, optionally filtered.
 * A non-blocking observer has a bounded buffer and counts what it drops. A
 * "blocking" observer never drops; raft never stalls on it either (its
 * buffer grows instead), which avoids Go's deadlock when a consumer calls
 * back into raft.
 */
import { AsyncQueue } from '@shoal/kit';
import type { RequestPreVoteRequest, RequestVoteRequest } from './commands.js';
import type { Server, ServerAddress, ServerID } from './configuration.js';
import type { RaftState } from './state.js';

export type ObservationData =
  | { type: 'state'; state: RaftState }
  | { type: 'leader'; leaderAddr: ServerAddress; leaderId: ServerID }
  | { type: 'peer'; removed: boolean; peer: Server }
  | { type: 'failedHeartbeat'; peerId: ServerID; lastContact: number }
  | { type: 'resumedHeartbeat'; peerId: ServerID }
  | { type: 'requestVote'; request: RequestVoteRequest }
  | { type: 'requestPreVote'; request: RequestPreVoteRequest };

export interface Observation {
  /** Local server ID of the raft node that made the observation. */
  raftId: ServerID;
  data: ObservationData;
}

export type FilterFn = (o: Observation) => boolean;

export interface ObserverOptions {
  /** Never drop observations (default false). */
  blocking?: boolean;
  /** Only observations for which this returns true are delivered. */
  filter?: FilterFn;
  /** Buffer of a non-blocking observer (default 64). */
  capacity?: number;
  /** Called synchronously with each accepted observation, besides the iterator buffer. */
  onObservation?: (o: Observation) => void;
}

let nextObserverId = 0;

export class Observer implements AsyncIterable<Observation> {
  readonly id = ++nextObserverId;
  readonly #queue: AsyncQueue<Observation>;
  readonly #filter: FilterFn | undefined;
  readonly #callback: ((o: Observation) => void) | undefined;
  #observed = 0;
  #dropped = 0;

  constructor(options: ObserverOptions = {}) {
    this.#queue = new AsyncQueue(options.blocking ? Number.POSITIVE_INFINITY : (options.capacity ?? 64));
    this.#filter = options.filter;
    this.#callback = options.onObservation;
  }

  get numObserved(): number {
    return this.#observed;
  }

  get numDropped(): number {
    return this.#dropped;
  }

  /** Raft calls this; exceptions from filters and callbacks are contained. */
  deliver(o: Observation): void {
    try {
      if (this.#filter !== undefined && !this.#filter(o)) return;
    } catch {
      return;
    }
    this.#observed++;
    if (this.#callback !== undefined) {
      try {
        this.#callback(o);
      } catch {
        // A broken callback must not break raft.
      }
    }
    if (this.#queue.closed || !this.#queue.tryPush(o)) this.#dropped++;
  }

  /** Next observation without waiting, if one is buffered. */
  poll(): Observation | undefined {
    return this.#queue.tryShift();
  }

  close(): void {
    this.#queue.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Observation> {
    return this.#queue[Symbol.asyncIterator]();
  }
}
