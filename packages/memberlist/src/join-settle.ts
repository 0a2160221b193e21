/**
 * Beyond Go: one more push/pull once a burst of joins settles.
 *
 * When many members join through one seed at once, the alive message of each
 * late joiner reaches all but a few percent of the cluster; the rest learn of
 * it only by push/pull. The post-join push/pulls (joinSyncDelaysMs) run at
 * fixed times after our own join, so an early joiner that missed a late one
 * could wait seconds for its next exchange. Instead, while the join window is
 * open, every member that appears arms an exchange `delayMs` after the last
 * one appeared: the exchange runs when the burst stops, pulling whatever
 * gossip missed. It never fires in the middle of a burst, where the CPU it
 * costs would slow the seed that is still answering joiners; the fixed
 * schedule covers a burst that goes on. A member joining a quiet cluster
 * learns nobody after its join and pays nothing.
 */
export class SettleSync {
  readonly #delayMs: number;
  readonly #now: () => number;
  readonly #schedule: (delayMs: number, fn: () => void) => void;
  readonly #sync: () => void;
  #openUntil = -Infinity;
  #armed = false;
  #lastGrowth = 0;

  /** `delayMs` 0 turns it off. `schedule` runs `fn` once after a delay (stopping with the list). */
  constructor(delayMs: number, now: () => number, schedule: (delayMs: number, fn: () => void) => void, sync: () => void) {
    this.#delayMs = delayMs;
    this.#now = now;
    this.#schedule = schedule;
    this.#sync = sync;
  }

  /** After a join: members appearing in the next `windowMs` count. */
  open(windowMs: number): void {
    this.#openUntil = Math.max(this.#openUntil, this.#now() + windowMs);
  }

  /** A member we did not know has appeared. */
  grew(): void {
    if (this.#delayMs <= 0) return;
    const now = this.#now();
    if (now > this.#openUntil) return;
    this.#lastGrowth = now;
    if (this.#armed) return;
    this.#armed = true;
    this.#schedule(this.#delayMs, () => this.#due());
  }

  // One timer at a time: when it fires early, it re-arms for the rest.
  #due(): void {
    const now = this.#now();
    const at = this.#lastGrowth + this.#delayMs;
    if (at > now) {
      this.#schedule(at - now, () => this.#due());
      return;
    }
    this.#armed = false;
    this.#sync();
  }
}
