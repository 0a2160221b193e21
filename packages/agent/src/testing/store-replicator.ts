// A Replicator that applies straight to a store (no raft), optionally failing
// the next writes: for tests of what sits above the seam.
import type { LeadershipView, Replicator, WriteResult } from '../replicator.js';
import type { Command } from '../state/commands.js';
import type { StateStore } from '../state/store.js';
import { NoLeaderError } from '../errors.js';

export class StoreReplicator implements Replicator {
  readonly store: StateStore;
  readonly writes: Command[] = [];
  /** How many of the next writes fail with NoLeaderError. */
  failNext = 0;
  #index = 0;

  constructor(store: StateStore) {
    this.store = store;
  }

  async write(command: Command): Promise<WriteResult> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new NoLeaderError();
    }
    this.writes.push(command);
    const result = this.store.apply(++this.#index, command);
    if (result instanceof Error) throw result;
    return { index: this.#index, result };
  }

  async barrier(): Promise<void> {}

  /** No TTL timers here: a renewal only finds the session or not. */
  async renewSession(id: string): Promise<boolean> {
    return this.store.sessions.has(id);
  }

  leadership(): LeadershipView {
    return { knownLeader: true, lastContactMs: 0, leaderRaftAddress: 'self:8300', raftPeers: ['self:8300'] };
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
