// This server as a leader, as the internal endpoints and the leader channel
// use it: writes through leader-apply.ts (lock-delay enforced), read-index
// rounds and session renewals when it leads, and who leads when it does not.

import { NotLeaderError, RaftState, type Raft } from '@shoal/raft';
import type { LeaderApply } from '../leader/leader-apply.js';
import type { LeaderHint } from './internal-api.js';
import type { LocalLeader } from './internal-handler.js';
import { hintOf, type ServerDirectory } from './server-directory.js';

export interface RaftLocalLeaderOptions {
  readonly raft: Pick<Raft, 'state' | 'readIndex' | 'leaderWithId'>;
  readonly apply: LeaderApply;
  /** The leader's session TTL timers (leader/leader-duties.ts). */
  readonly sessions: { renew(id: string): boolean };
  readonly directory: ServerDirectory;
  /** Longest wait for a read-index round. */
  readonly readTimeoutMs: number;
}

export class RaftLocalLeader implements LocalLeader {
  readonly #options: RaftLocalLeaderOptions;

  constructor(options: RaftLocalLeaderOptions) {
    this.#options = options;
  }

  apply: LeaderApply = (command, encoded) => this.#options.apply(command, encoded);

  async readIndex(): Promise<number> {
    const { index } = await this.#options.raft.readIndex({ timeoutMs: this.#options.readTimeoutMs });
    return index;
  }

  async renewSession(id: string): Promise<boolean> {
    const { raft, sessions } = this.#options;
    if (raft.state !== RaftState.Leader) {
      const { id: leaderId, address } = raft.leaderWithId();
      throw new NotLeaderError(address, leaderId);
    }
    return sessions.renew(id);
  }

  leaderHint(): LeaderHint | undefined {
    const { id, address } = this.#options.raft.leaderWithId();
    if (address === '') return undefined;
    const server = this.#options.directory.serverByRaft(id, address);
    return server === undefined ? undefined : hintOf(server);
  }
}
