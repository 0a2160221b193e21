/**
 * The leader's view of one follower's log (Go's followerReplication fields;
 * etcd's tracker.Progress): the next entry to send, the highest entry known
 * to match ours, consecutive failures (which set the retry back-off), and
 * whether pipelining is allowed. Pure bookkeeping: no I/O, no awaiting; the
 * replicator feeds it the answers it gets. Invariants: matchIndex never goes
 * back, and matchIndex < nextIndex.
 */
import { invariant } from '../../errors.js';
import { backoff, FAILURE_WAIT_MS, MAX_FAILURE_SCALE } from '../timing.js';

export class FollowerProgress {
  #nextIndex: number;
  #matchIndex = 0;
  #failures = 0;
  #pipelining = false;

  /** A new follower is assumed to have everything up to our last entry: the first answer corrects that. */
  constructor(nextIndex: number) {
    invariant(nextIndex >= 1, () => `next index must be at least 1, not ${nextIndex}`);
    this.#nextIndex = nextIndex;
  }

  get nextIndex(): number {
    return this.#nextIndex;
  }

  get matchIndex(): number {
    return this.#matchIndex;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Whether answers have been succeeding, so requests may be sent without waiting for them. */
  get pipelining(): boolean {
    return this.#pipelining;
  }

  /** How long to wait before the next attempt (0 after a success). */
  get backoffMs(): number {
    return this.#failures > 0 ? backoff(FAILURE_WAIT_MS, this.#failures, MAX_FAILURE_SCALE) : 0;
  }

  /**
   * The follower accepted entries after `prevLogEntry` up to `lastSent` (or,
   * with none, confirmed `prevLogEntry`). `leaderLastIndex` bounds what can
   * match. Returns the new match index when it advanced, else undefined.
   */
  accepted(prevLogEntry: number, lastSent: number | undefined, leaderLastIndex: number): number | undefined {
    const matched = lastSent ?? prevLogEntry;
    invariant(matched <= leaderLastIndex, () => `matched ${matched}, beyond our last index ${leaderLastIndex}`);
    if (lastSent !== undefined) this.#nextIndex = Math.max(this.#nextIndex, lastSent + 1);
    this.#failures = 0;
    this.#pipelining = true;
    return this.#match(matched);
  }

  /**
   * The follower refused: its log does not hold our entry before nextIndex.
   * Step back, straight to just after its last entry when that is earlier
   * (the LastLog hint). A refusal that says retrying at once is fine
   * (the log simply did not match) clears the back-off.
   * A refusal right after the match index cannot be a mismatch (that entry
   * matched): the follower could not store what we sent (its disk failed), so
   * we retry from there rather than step back past what it holds. Only a
   * follower whose last entry falls below the match index lost entries.
   */
  rejected(followerLastLog: number, noRetryBackoff: boolean): void {
    const floor = followerLastLog >= this.#matchIndex ? this.#matchIndex + 1 : 1;
    this.#nextIndex = Math.max(Math.min(this.#nextIndex - 1, followerLastLog + 1), floor);
    if (noRetryBackoff) this.#failures = 0;
    else this.#failures++;
    this.#checkOrder();
  }

  /** The request did not get an answer (transport error, snapshot failure). */
  failed(): void {
    this.#failures++;
  }

  /** The follower installed our snapshot up to `index`. Returns the new match index when it advanced. */
  installed(index: number): number | undefined {
    this.#nextIndex = Math.max(this.#nextIndex, index + 1);
    this.#failures = 0;
    return this.#match(index);
  }

  /** Pipelining stopped (an answer failed, or the pipeline broke): send and wait again. */
  stopPipelining(): void {
    this.#pipelining = false;
  }

  #match(index: number): number | undefined {
    if (index <= this.#matchIndex) return undefined;
    this.#matchIndex = index;
    this.#checkOrder();
    return index;
  }

  #checkOrder(): void {
    invariant(this.#matchIndex < this.#nextIndex || this.#matchIndex === 0, () => `match index ${this.#matchIndex} must be below next index ${this.#nextIndex}`);
  }
}
