// This server's raft as the internal endpoints and the leader channel use
// it: apply and read-index when it leads, and who leads when it does not.

import type { Raft } from '@shoal/raft';
import type { LeaderHint } from './internal-api.js';
import type { LocalLeader } from './internal-handler.js';
import { hintOf, type ServerDirectory } from './server-directory.js';

export interface RaftLeaderOptions {
  readonly raft: Raft;
  readonly directory: ServerDirectory;
  /** Longest wait for an entry to commit and apply. */
  readonly applyTimeoutMs: number;
  /** Longest wait for a read-index round. */
  readonly readTimeoutMs: number;
}

export class RaftLocalLeader implements LocalLeader {
  readonly #options: RaftLeaderOptions;

  constructor(options: RaftLeaderOptions) {
    this.#options = options;
  }

  async apply(command: Uint8Array): Promise<{ index: number; result: unknown }> {
    // raft rejects with ERR_NOT_LEADER before proposing anything when it does not lead.
    const applied = await this.#options.raft.apply(command, { timeoutMs: this.#options.applyTimeoutMs });
    return { index: applied.index, result: applied.response };
  }

  async readIndex(): Promise<number> {
    const { index } = await this.#options.raft.readIndex({ timeoutMs: this.#options.readTimeoutMs });
    return index;
  }

  leaderHint(): LeaderHint | undefined {
    const { id, address } = this.#options.raft.leaderWithId();
    if (address === '') return undefined;
    const server = this.#options.directory.serverByRaft(id, address);
    return server === undefined ? undefined : hintOf(server);
  }
}
