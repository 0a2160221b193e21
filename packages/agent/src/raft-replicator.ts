// A Replicator over one raft node that is its own cluster's only voter (dev
// mode): writes go through the leader path, consistent reads through raft's
// read index.
import type { Clock } from '@shoal/kit';
import type { Raft } from '@shoal/raft';
import { NoLeaderError } from './errors.js';
import type { LeaderApply } from './leader-apply.js';
import type { LeadershipView, Replicator, WriteResult } from './replicator.js';
import type { Command } from './state/commands.js';

export class SingleNodeReplicator implements Replicator {
  readonly #raft: Raft;
  readonly #apply: LeaderApply;
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  /** `clock` must be the one raft runs on (lastContact is in its time). */
  constructor(raft: Raft, apply: LeaderApply, clock: Clock, timeoutMs = 30_000) {
    this.#raft = raft;
    this.#apply = apply;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  write(command: Command, options: { signal?: AbortSignal } = {}): Promise<WriteResult> {
    options.signal?.throwIfAborted();
    if (this.#raft.state !== 'Leader') return Promise.reject(new NoLeaderError());
    return this.#apply(command);
  }

  async barrier(options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    await this.#raft.readIndex({ timeoutMs: this.#timeoutMs });
  }

  leadership(): LeadershipView {
    const leader = this.#raft.leader();
    const isLeader = this.#raft.state === 'Leader';
    return {
      knownLeader: leader !== '',
      lastContactMs: isLeader ? 0 : Math.max(0, this.#clock.now() - this.#raft.lastContact()),
      ...(leader === '' ? {} : { leaderRaftAddress: leader }),
      raftPeers: [this.#raft.localAddr],
    };
  }
}
