// Packets queued behind a dial, per peer: memberlist's sends never wait for
// one. Bounded by packetQueueSize per peer; beyond it, when the dial fails
// and at shutdown, packets are dropped and counted.
import type { Clock, Metrics } from '@shoal/kit';
import type { QuicConnection } from '../engine/types.js';

interface Queue {
  /** When the first of the packets was queued. */
  since: number;
  packets: Uint8Array[];
}

const NONE: readonly Uint8Array[] = [];

export class DialQueue {
  readonly #pending = new Map<string, Queue>();

  constructor(
    readonly clock: Clock,
    readonly metrics: Metrics,
    /** Packets held per peer. */
    readonly limit: number,
  ) {}

  /** Queues a copy of `buf` for `key`; false (counted as dropped) when that peer's queue is full. */
  push(key: string, buf: Uint8Array): boolean {
    let queue = this.#pending.get(key);
    if (!queue) this.#pending.set(key, (queue = { since: this.clock.now(), packets: [] }));
    if (queue.packets.length >= this.limit) {
      this.metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'queue-full' });
      return false;
    }
    queue.packets.push(Uint8Array.from(buf)); // memberlist may reuse its buffer once writeTo returns
    this.metrics.incrCounter('memberlist.quic.packet.queued');
    return true;
  }

  /** The connection to `key` is ready: takes its queued packets, in order. */
  take(key: string): readonly Uint8Array[] {
    const queue = this.#pending.get(key);
    if (!queue) return NONE;
    this.#pending.delete(key);
    this.#waited(queue.since);
    return queue.packets;
  }

  /**
   * Our dial to `key` verified the server and holds 1-RTT keys: the packets
   * queued behind it leave now as datagrams, with our Finished, instead of a
   * round trip later when the server's verdict on us arrives (they were the
   * gossip's first messages to that peer). Those that need the stream fallback
   * stay queued for the pooled connection.
   */
  sendEarly(key: string, conn: QuicConnection): void {
    const queue = this.#pending.get(key);
    if (!queue) return;
    const rest = queue.packets.filter((buf) => conn.sendDatagram(buf) !== 'sent');
    const sent = queue.packets.length - rest.length;
    if (sent > 0) {
      this.metrics.incrCounter('memberlist.quic.packet.sent', sent, { path: 'datagram' });
      this.metrics.incrCounter('memberlist.quic.packet.early', sent);
    }
    queue.packets = rest;
    if (rest.length > 0) return;
    this.#pending.delete(key);
    this.#waited(queue.since);
  }

  /** Drops (and counts) what is queued for `key`. */
  drop(key: string, reason: 'dial-failed'): void {
    const dropped = this.#pending.get(key);
    this.#pending.delete(key);
    if (dropped) this.metrics.incrCounter('memberlist.quic.packet.dropped', dropped.packets.length, { reason });
  }

  /** Drops (and counts) everything queued: the transport shuts down. */
  dropAll(): void {
    for (const [, queue] of this.#pending) this.metrics.incrCounter('memberlist.quic.packet.dropped', queue.packets.length, { reason: 'shutdown' });
    this.#pending.clear();
  }

  /** How long the oldest packet queued behind a dial waited. */
  #waited(since: number): void {
    this.metrics.addTiming('memberlist.quic.packet.queue_wait', this.clock.now() - since);
  }
}
