/**
 * The entries a leader has handed out but not yet stored (config.parallelAppend):
 * those of its own log write that is still running, and those staged
 * behind it for the next one. Its replicators may already send them, so a
 * follower can hold (and acknowledge) them before the leader does.
 * Commitment counts the leader itself only once its write of an entry
 * returns, so a commit rests on a quorum of durable copies either way.
 */
import type { Log } from '../log.js';

export class WriteInProgress {
  /** Consecutive, in index order. */
  #entries: Log[] = [];

  /** `entries` (consecutive, following those held) are being written or staged. */
  begin(entries: readonly Log[]): void {
    for (const entry of entries) this.#entries.push(entry);
  }

  /** A write up to `lastIndex` returned, stored or not: those entries are no longer held here. */
  end(lastIndex: number): void {
    const first = this.#entries[0];
    if (first === undefined) return;
    this.#entries.splice(0, Math.max(0, Math.min(this.#entries.length, lastIndex - first.index + 1)));
  }

  /** Forgets everything held (the writes failed or leadership ended). */
  clear(): void {
    this.#entries = [];
  }

  /** The last index being written or staged, or `stored` (our log's last index) when none is. */
  lastIndex(stored: number): number {
    return this.#entries.at(-1)?.index ?? stored;
  }

  /** Entry `index` if it is being written or staged. */
  get(index: number): Log | undefined {
    const first = this.#entries[0];
    return first === undefined ? undefined : this.#entries[index - first.index];
  }
}
