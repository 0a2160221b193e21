// The Replicator of a server (dev mode's single server too): writes go
// through raft on the leader, from followers through the leader's internal
// endpoints; a barrier is a read-index round on the leader, after which a
// follower waits until its own store has applied that index. Session
// renewals reach the leader the same way.

import type { Clock, Timer } from '@shoal/kit';
import { RaftState, type Raft } from '@shoal/raft';
import { BarrierTimeoutError } from '../errors.js';
import type { LeadershipView, Replicator, WriteResult } from '../replicator.js';
import type { Command } from '../state/commands.js';
import type { LeaderChannel } from './leader-channel.js';

export interface ServerReplicatorOptions {
  readonly raft: Raft;
  readonly channel: LeaderChannel;
  readonly clock: Clock;
  /** Longest a follower waits for its store to catch up to the leader's read index. */
  readonly catchUpTimeoutMs: number;
  /** Raft addresses of the voters, kept current by the agent. */
  readonly voterAddresses: () => readonly string[];
}

export class ServerReplicator implements Replicator {
  readonly #options: ServerReplicatorOptions;

  constructor(options: ServerReplicatorOptions) {
    this.#options = options;
  }

  write(command: Command, options: { signal?: AbortSignal } = {}): Promise<WriteResult> {
    return this.#options.channel.write(command, options.signal);
  }

  renewSession(id: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.#options.channel.renewSession(id, options.signal);
  }

  async barrier(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { index, local } = await this.#options.channel.readIndex(options.signal);
    if (!local) await this.#waitApplied(index, options.signal);
  }

  leadership(): LeadershipView {
    const { raft, clock } = this.#options;
    const leader = raft.leader();
    const lastContact = raft.lastContact();
    return {
      knownLeader: leader !== '',
      lastContactMs: raft.state === RaftState.Leader || lastContact === 0 ? 0 : Math.max(0, Math.round(clock.now() - lastContact)),
      ...(leader !== '' ? { leaderRaftAddress: leader } : {}),
      raftPeers: this.#options.voterAddresses(),
    };
  }

  /** Until this server's FSM has applied `index`: woken by raft as it applies, bounded by catchUpTimeoutMs and `signal`. */
  async #waitApplied(index: number, signal: AbortSignal | undefined): Promise<void> {
    const { raft, clock, catchUpTimeoutMs } = this.#options;
    if (raft.appliedIndex() >= index) return;
    signal?.throwIfAborted();
    let timer: Timer | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = clock.after(catchUpTimeoutMs, () => reject(new BarrierTimeoutError(index, raft.appliedIndex(), catchUpTimeoutMs)));
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        raft.waitApplied(index).then(resolve, reject);
      });
    } finally {
      timer?.cancel();
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }
}
