// The leader's side of every write, made here or forwarded to it through the
// internal endpoints: refuse unless leading, refuse a lock still under
// lock-delay (Consul answers false without a raft write; a txn with a lock op
// on such a key fails whole, as Consul's txn pre-check does), and propose the
// command. What the store returned comes back as it is, a refusal included,
// so the internal endpoint can answer it with its index; appliedResult
// unwraps it for a caller that wants the refusal thrown.
import { NotLeaderError, RaftState, type Raft } from '@shoal/raft';
import type { WriteResult } from '../replicator.js';
import { encodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import type { TxnError, TxnResult } from '../state/store.js';
import type { LockDelays } from './lock-delays.js';

export interface LeaderApplyOptions {
  readonly raft: Pick<Raft, 'state' | 'apply' | 'appliedIndex' | 'leaderWithId'>;
  readonly lockDelays: LockDelays;
  /** How long a write may wait for raft before it fails. Default 10 s. */
  readonly timeoutMs?: number;
}

/** A command applied at `index`; `result` is the store's answer, an Error when it refused. */
export interface AppliedCommand {
  readonly index: number;
  readonly result: unknown;
}

/** `encoded`, when given, is `command` as encodeCommand wrote it (a forwarded write's bytes): proposed as it is, not encoded again. */
export type LeaderApply = (command: Command, encoded?: Uint8Array) => Promise<AppliedCommand>;

export function createLeaderApply(options: LeaderApplyOptions): LeaderApply {
  const { raft, lockDelays, timeoutMs = 10_000 } = options;
  return async (command, encoded) => {
    if (raft.state !== RaftState.Leader) {
      // Before the lock-delay check: a follower's answer would not be the leader's.
      const { id, address } = raft.leaderWithId();
      throw new NotLeaderError(address, id);
    }
    if (command.type === 'kv' && command.op.verb === 'lock' && lockDelays.remainingMs(command.op.key) > 0) {
      return { index: raft.appliedIndex(), result: false };
    }
    if (command.type === 'txn') {
      const errors: TxnError[] = [];
      command.ops.forEach((op, opIndex) => {
        // Consul's wording (txn_endpoint.go preCheck), its %q as JSON quoting.
        if (op.verb === 'lock' && lockDelays.remainingMs(op.key) > 0) errors.push({ opIndex, what: `failed to lock key ${JSON.stringify(op.key)} due to lock delay` });
      });
      if (errors.length > 0) return { index: raft.appliedIndex(), result: { errors } satisfies TxnResult };
    }
    const { index, response } = await raft.apply(encoded ?? encodeCommand(command), { timeoutMs });
    return { index, result: response };
  };
}

/** The write's result, or the store's refusal (or the FSM's decode error) thrown. */
export function appliedResult(applied: AppliedCommand): WriteResult {
  if (applied.result instanceof Error) throw applied.result;
  return applied;
}
