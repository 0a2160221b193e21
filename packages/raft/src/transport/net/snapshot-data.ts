/**
 * The snapshot bytes that follow an InstallSnapshot request on the server
 * side: exactly `size` bytes, first those the request reader had already
 * buffered, then straight from the connection, never all held at once.
 * Bytes past the end belong to the next request and go back to the
 * connection. drain() reads whatever the handler left, as Go's follower
 * always drains (raft #212), so the stream stays in step.
 */
import type { Clock } from '@shoal/kit';
import type { Conn } from './conn.js';
import { DropError } from './drop.js';
import { ConnectionLostError } from './net-errors.js';

export class SnapshotData implements AsyncIterable<Uint8Array> {
  #remaining: number;
  #first: Uint8Array | undefined;

  /**
   * @param buffered the bytes after the request the reader already holds (at most `size`).
   * @param stallTimeoutMs how long one read may wait for bytes: a peer that claims a size and stalls is dropped.
   */
  constructor(
    private readonly conn: Conn,
    size: number,
    buffered: Uint8Array,
    private readonly clock: Clock,
    private readonly stallTimeoutMs: number,
  ) {
    this.#remaining = size - buffered.length;
    this.#first = buffered.length > 0 ? buffered : undefined;
  }

  /** Whether every one of the `size` bytes has been read from the stream. */
  get complete(): boolean {
    return this.#remaining === 0 && this.#first === undefined;
  }

  /** The next piece of the snapshot, or null after the last byte. */
  async next(): Promise<Uint8Array | null> {
    const first = this.#first;
    if (first !== undefined) {
      this.#first = undefined;
      return first;
    }
    if (this.#remaining === 0) return null;
    const stall = this.conn.deadline(this.clock, this.stallTimeoutMs, () => new DropError('timeout', `snapshot stalled with ${this.#remaining} bytes to go`));
    const chunk = await this.conn.read().finally(() => stall.cancel());
    if (chunk === null) throw new ConnectionLostError(this.conn.remote, `short read: ${this.#remaining} snapshot bytes missing`);
    if (chunk.length <= this.#remaining) {
      this.#remaining -= chunk.length;
      return chunk;
    }
    this.conn.unread(chunk.subarray(this.#remaining));
    const last = chunk.subarray(0, this.#remaining);
    this.#remaining = 0;
    return last;
  }

  /** Reads and discards what the handler did not consume. */
  async drain(): Promise<void> {
    while ((await this.next()) !== null);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        const chunk = await this.next();
        return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
      },
    };
  }
}
