// The Replicator of a client agent, which has no raft and no store of its
// own: writes and barriers go to the leader through any server. A barrier
// here only confirms that a leader answered; reads on a client agent are
// forwarded to servers (forwarder.ts), which run their own.

import type { LeadershipView, Replicator, WriteResult } from '../replicator.js';
import type { Command } from '../state/commands.js';
import type { LeaderChannel } from './leader-channel.js';
import type { ServerDirectory } from './server-directory.js';

export class ClientReplicator implements Replicator {
  readonly #channel: LeaderChannel;
  readonly #directory: ServerDirectory;

  constructor(channel: LeaderChannel, directory: ServerDirectory) {
    this.#channel = channel;
    this.#directory = directory;
  }

  write(command: Command, options: { signal?: AbortSignal } = {}): Promise<WriteResult> {
    return this.#channel.write(command, options.signal);
  }

  renewSession(id: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.#channel.renewSession(id, options.signal);
  }

  async barrier(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#channel.readIndex(options.signal);
  }

  /** What the latest answer from a server said; the servers' own view is what HTTP answers forwarded to them carry. */
  leadership(): LeadershipView {
    const leader = this.#channel.lastLeader;
    return {
      knownLeader: leader !== undefined,
      lastContactMs: 0,
      ...(leader !== undefined ? { leaderRaftAddress: leader.raftAddress } : {}),
      raftPeers: this.#directory.servers().flatMap((s) => (s.tags.raftAddress !== undefined ? [s.tags.raftAddress] : [])),
    };
  }
}
