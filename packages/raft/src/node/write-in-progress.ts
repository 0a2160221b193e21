/**
 * The entries of a leader's own log write that is still running, which its
 * replicators may already send with config.parallelAppend: a follower can
 * hold (and acknowledge) them before the leader does. Commitment counts the
 * leader itself only once the write returns, so a commit rests on a quorum
 * of durable copies either way.
 */
import type { Log } from '../log.js';

export class WriteInProgress {
  #entries: readonly Log[] | undefined;

  /** The write of `entries` (consecutive, in index order) has started. */
  begin(entries: readonly Log[]): void {
    this.#entries = entries.length > 0 ? entries : undefined;
  }

  /** The write returned, stored or not. */
  end(): void {
    this.#entries = undefined;
  }

  /** The last index being written, or `stored` (our log's last index) when none is. */
  lastIndex(stored: number): number {
    const entries = this.#entries;
    return entries === undefined ? stored : entries[entries.length - 1]!.index;
  }

  /** Entry `index` if it is being written. */
  get(index: number): Log | undefined {
    const entries = this.#entries;
    return entries === undefined ? undefined : entries[index - entries[0]!.index];
  }
}
