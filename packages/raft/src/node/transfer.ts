/**
 * Leadership transfer (Go's leadershipTransfer, Raft thesis §3.10): stop
 * taking new entries, bring the target's log up to date, send it TimeoutNow,
 * then wait for its election to depose us. Bounded by the election timeout.
 */
import type { Timer } from '@shoal/kit';
import type { ServerID } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import { LeadershipTransferTimeoutError, RaftError } from '../errors.js';
import type { LeaderState } from './leader.js';
import { Deferred } from '@shoal/kit';
import type { Replicator } from './replication.js';

export class LeadershipTransfer {
  readonly #leader: LeaderState;
  readonly #targetId: ServerID | undefined;
  readonly #done = new Deferred<void>();
  #timer: Timer | undefined;

  constructor(leader: LeaderState, targetId: ServerID | undefined, _targetAddr: string | undefined) {
    this.#leader = leader;
    this.#targetId = targetId;
  }

  /** The voter whose log is furthest along (Go's pickServer). */
  #pick(): Replicator | undefined {
    let best: Replicator | undefined;
    for (const r of this.#leader.replicators.values()) {
      if (r.peer.suffrage !== ServerSuffrage.Voter) continue;
      if (best === undefined || r.nextIndex > best.nextIndex) best = r;
    }
    return best;
  }

  async run(): Promise<void> {
    const leader = this.#leader;
    const core = leader.core;
    this.#timer = core.clock.after(core.config.electionTimeoutMs, () => this.#done.reject(new LeadershipTransferTimeoutError()));
    try {
      const target = this.#targetId === undefined ? this.#pick() : leader.replicators.get(this.#targetId);
      if (target === undefined) {
        throw new RaftError(
          'ERR_LEADERSHIP_TRANSFER_FAILED',
          this.#targetId === undefined ? 'cannot find peer' : `cannot find replication state for ${this.#targetId}`,
        );
      }
      core.logger.info({ target: target.peer.id }, 'starting leadership transfer');
      while (target.nextIndex <= core.lastLogIndex && !this.#done.settled) {
        target.trigger();
        await Promise.race([target.nextProgress(), this.#done.promise]);
      }
      if (this.#done.settled) return await this.#done.promise;
      // From here another server may win an election while we still think we lead.
      leader.leaseRevoked = true;
      try {
        // The RPC itself may hang: the transfer's own deadline still applies.
        await Promise.race([core.transport.timeoutNow(target.peer.id, target.peer.address, { ...core.header }), this.#done.promise]);
        if (this.#done.settled) return await this.#done.promise;
      } catch (err) {
        if (this.#done.settled) return await this.#done.promise;
        throw new RaftError('ERR_LEADERSHIP_TRANSFER_FAILED', `failed to make TimeoutNow RPC to ${target.peer.id}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await this.#done.promise;
    } finally {
      this.#timer.cancel();
    }
  }

  /** We stopped leading: the transfer did what it was for. */
  onLeadershipLost(): void {
    this.#done.resolve();
  }
}
