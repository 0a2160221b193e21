import type { Labels, Logger, Metrics } from '@shoal/kit';
import { WireError, WireErrorCode } from './wire/errors.js';
import type { FrameAllowance } from './wire/stream.js';

interface Holder {
  held: number;
  dropped: boolean;
  readonly from: string;
  readonly drop: () => void;
}

/**
 * The memory all of a node's streams may hold for messages still arriving.
 * Each stream reader asks before it grows its buffer; when the node is out of
 * room, the largest partial messages are dropped to make it, so a few stalled
 * giant frames cannot starve the small requests a cluster lives on, and many
 * of them cannot exhaust the process.
 */
export class FrameBudget {
  readonly totalBytes: number;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #labels: Labels | undefined;
  readonly #holders = new Set<Holder>();
  #used = 0;

  constructor(totalBytes: number, metrics: Metrics, logger: Logger, labels?: Labels) {
    this.totalBytes = totalBytes;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#labels = labels;
  }

  /** Bytes held now, all streams together. */
  get used(): number {
    return this.#used;
  }

  /** An allowance for one stream's message; `drop` ends that stream if its bytes are taken back. */
  open(from: string, drop: () => void): FrameAllowance {
    const holder: Holder = { held: 0, dropped: false, from, drop };
    return {
      maxBytes: this.totalBytes,
      hold: (bytes) => this.#hold(holder, bytes),
      release: () => this.#release(holder),
    };
  }

  #hold(holder: Holder, bytes: number): void {
    if (holder.dropped) throw new WireError(WireErrorCode.TooLarge, 'partial message dropped: the node is out of stream buffer memory');
    if (bytes <= holder.held) return;
    if (bytes > this.totalBytes) this.#refuse(holder, `a partial message of ${bytes} bytes exceeds the stream buffer budget of ${this.totalBytes}`);
    this.#holders.add(holder);
    while (this.#used - holder.held + bytes > this.totalBytes) {
      const largest = this.#largestOther(holder);
      // A message is never dropped for one that would be larger.
      if (largest === undefined || largest.held < bytes) {
        this.#refuse(holder, `stream buffer budget of ${this.totalBytes} bytes is in use by larger partial messages`);
      }
      this.#dropHolder(largest);
    }
    this.#used += bytes - holder.held;
    holder.held = bytes;
  }

  #largestOther(self: Holder): Holder | undefined {
    let largest: Holder | undefined;
    for (const h of this.#holders) if (h !== self && (largest === undefined || h.held > largest.held)) largest = h;
    return largest;
  }

  #dropHolder(h: Holder): void {
    this.#logger.warn({ from: h.from, bytes: h.held, budget: this.totalBytes }, 'memberlist: dropped a large partial stream message to stay within the buffer budget');
    this.#metrics.incrCounter('memberlist.tcp.frame_budget_dropped', 1, this.#labels);
    this.#release(h);
    h.dropped = true;
    h.drop();
  }

  #refuse(holder: Holder, why: string): never {
    this.#metrics.incrCounter('memberlist.tcp.frame_budget_dropped', 1, this.#labels);
    this.#release(holder);
    holder.dropped = true;
    throw new WireError(WireErrorCode.TooLarge, why);
  }

  #release(h: Holder): void {
    if (!this.#holders.delete(h)) return;
    this.#used -= h.held;
    h.held = 0;
  }
}
