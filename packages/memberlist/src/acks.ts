import type { Clock, Timer } from '@shoal/kit';

interface Handler {
  onAck(payload: Uint8Array | undefined, timestampMs: number): void;
  onNack: (() => void) | undefined;
  timer: Timer;
}

/**
 * Who is waiting for which ack (Go's ackHandlers): probes, pings and
 * indirect probes register by sequence number. An ack runs its handler once
 * and removes it; a nack only counts; the handler expires after its timeout.
 */
export class AckTable {
  readonly #clock: Clock;
  readonly #handlers = new Map<number, Handler>();
  #seq = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The next probe sequence number (uint32, wrapping). */
  nextSeqNo(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  /** Handlers waiting. */
  get size(): number {
    return this.#handlers.size;
  }

  /**
   * Waits `timeoutMs` for the ack of `seqNo` (Go's setProbeChannels and
   * setAckHandler). `onExpire` runs if none came in time.
   */
  expect(
    seqNo: number,
    timeoutMs: number,
    onAck: (payload: Uint8Array | undefined, timestampMs: number) => void,
    onNack?: () => void,
    onExpire?: () => void,
  ): void {
    this.#handlers.get(seqNo)?.timer.cancel();
    const handler: Handler = {
      onAck,
      onNack,
      timer: this.#clock.after(timeoutMs, () => {
        if (this.#handlers.get(seqNo) === handler) this.#handlers.delete(seqNo);
        onExpire?.();
      }),
    };
    this.#handlers.set(seqNo, handler);
  }

  /** Delivers an ack: runs and removes the handler; unknown or expired sequence numbers are ignored. */
  ack(seqNo: number, payload: Uint8Array | undefined, timestampMs: number): void {
    const h = this.#handlers.get(seqNo);
    if (!h) return;
    this.#handlers.delete(seqNo);
    h.timer.cancel();
    h.onAck(payload, timestampMs);
  }

  /** Delivers a nack: counts it without removing the handler. */
  nack(seqNo: number): void {
    this.#handlers.get(seqNo)?.onNack?.();
  }

  /** Drops the handler of `seqNo` without running anything. */
  cancel(seqNo: number): void {
    this.#handlers.get(seqNo)?.timer.cancel();
    this.#handlers.delete(seqNo);
  }

  /** Drops every handler without running it (shutdown). */
  clear(): void {
    for (const h of this.#handlers.values()) h.timer.cancel();
    this.#handlers.clear();
  }
}
