// The leader's side of a write: refuse a lock still under lock-delay, propose
// the command, and unwrap what the store returned. Dev mode's replicator calls
// it directly; in a cluster the leader calls it for writes forwarded to it.
import type { Raft } from '@shoal/raft';
import type { LockDelays } from './local/lock-delays.js';
import type { WriteResult } from './replicator.js';
import { encodeCommand } from './state/codec.js';
import type { Command } from './state/commands.js';

export interface LeaderApplyOptions {
  readonly raft: Raft;
  readonly lockDelays: LockDelays;
  /** How long a write may wait for raft before it fails (default 30 s). */
  readonly timeoutMs?: number;
}

export type LeaderApply = (command: Command) => Promise<WriteResult>;

export function createLeaderApply(options: LeaderApplyOptions): LeaderApply {
  const { raft, lockDelays, timeoutMs = 30_000 } = options;
  return async (command) => {
    if (command.type === 'kv' && command.op.verb === 'lock' && lockDelays.remainingMs(command.op.key) > 0) {
      // Consul answers a lock under lock-delay with false, without a raft write.
      return { index: raft.appliedIndex(), result: false };
    }
    const { index, response } = await raft.apply(encodeCommand(command), { timeoutMs });
    // The store answers refusals (and the FSM undecodable entries) with an Error value.
    if (response instanceof Error) throw response;
    return { index, result: response };
  };
}
