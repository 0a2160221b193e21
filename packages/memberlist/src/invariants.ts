import { invariant } from './errors.js';
import { NodeStateType } from './wire/types.js';
import { stateName } from './node.js';

/** One row of the member table before and after a change, with what the rules depend on. */
export interface RowChange {
  readonly name: string;
  readonly fromState: NodeStateType;
  readonly fromIncarnation: number;
  readonly toState: NodeStateType;
  readonly toIncarnation: number;
  /** The row is the local node. */
  readonly isLocal: boolean;
  /** leave() has begun. */
  readonly leaving: boolean;
  /**
   * A left (or long-dead, DeadNodeReclaimTime) name taken over by a new
   * address: a new identity, whose incarnation starts afresh (spec §10).
   */
  readonly reclaimed: boolean;
}

/**
 * The membership table's own rules (spec §10), asserted at every change so
 * that a bug throws here rather than spreading through gossip:
 *
 * 1. a node's incarnation never goes back;
 * 2. a dead or left node comes back to life only at a strictly higher
 *    incarnation (aliveNode ignores `a.inc <= cur.inc`);
 * 3. the local node is never suspect, nor dead or left unless leaving (it
 *    refutes instead).
 *
 * A reclaimed name is a new identity and is exempt from 1 and 2.
 */
export function assertRowChange(c: RowChange): void {
  const what = (): string => `${c.name}: ${stateName(c.fromState)}@${c.fromIncarnation} -> ${stateName(c.toState)}@${c.toIncarnation}`;
  if (!c.reclaimed) {
    invariant(c.toIncarnation >= c.fromIncarnation, () => `incarnation went back (${what()})`);
    const revived = c.fromState >= NodeStateType.Dead && c.toState < NodeStateType.Dead;
    invariant(!revived || c.toIncarnation > c.fromIncarnation, () => `revived without a higher incarnation (${what()})`);
  }
  if (c.isLocal) {
    invariant(c.toState !== NodeStateType.Suspect, () => `the local node became suspect (${what()})`);
    invariant(c.toState < NodeStateType.Dead || c.leaving, () => `the local node died without leaving (${what()})`);
  }
}
