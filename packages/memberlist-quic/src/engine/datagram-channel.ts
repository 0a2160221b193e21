// The datagram path of one connection (RFC 9221): sending within quiche's
// size and queue limits, and delivering what arrives to the handler (or a
// bounded backlog until one is set).
import type { NativeConnection } from './native.js';
import type { CountedStat } from './engine-stats.js';
import type { DatagramSendResult, QuicEngineStats } from './types.js';

/** What the datagram path needs from the engine. */
export interface DatagramHost {
  readonly counters: QuicEngineStats;
  count(stat: CountedStat): void;
  /** Received datagrams held before a handler is set. */
  readonly datagramBacklog: number;
}

export class DatagramChannel {
  #handler: ((data: Uint8Array) => void) | undefined;
  /** quiche's dgramMaxWritableLen() once read (null: not negotiated); undefined until then. */
  #max: number | null | undefined;
  #backlog: Uint8Array[] = [];

  constructor(
    readonly conn: NativeConnection,
    readonly host: DatagramHost,
    /** Sends what quiche has queued (soon, coalescing). */
    readonly flushSoon: () => void,
  ) {}

  maxSize(): number | null {
    return this.conn.dgramMaxWritableLen();
  }

  /**
   * The size limit is remembered (it is fixed once the peer's transport
   * parameters are in, this quiche having no path MTU discovery): a native
   * call fewer per datagram, each costing a few µs on the cold path of a
   * steady cluster. The queue check stays: over a full queue quiche takes the
   * datagram and silently drops another.
   */
  send(data: Uint8Array): DatagramSendResult {
    const conn = this.conn;
    let max = this.#max;
    if (max === undefined) max = this.#max = conn.dgramMaxWritableLen();
    if (max === null) return 'not-negotiated';
    if (data.length > max) return 'too-large';
    if (conn.isDgramSendQueueFull()) {
      this.host.count('datagramsDropped');
      return 'queue-full';
    }
    try {
      conn.dgramSend(data);
    } catch (e) {
      const m = (e as Error).message;
      this.#max = undefined;
      if (m === 'BufferTooShort') return 'too-large';
      if (m === 'InvalidState') return 'not-negotiated';
      return 'closed';
    }
    this.host.counters.datagramsOut++;
    this.flushSoon();
    return 'sent';
  }

  onDatagram(handler: ((data: Uint8Array) => void) | undefined): void {
    this.#handler = handler;
    if (handler !== undefined && this.#backlog.length > 0) {
      for (const d of this.#backlog.splice(0)) handler(d);
    }
  }

  /** Delivers the `queued` datagrams quiche holds (counted first: one native call fewer than reading to null). */
  drain(queued: number): void {
    const conn = this.conn;
    const stats = this.host.counters;
    for (let i = 0; i < queued; i++) {
      const d = conn.dgramRecvVec();
      if (d === null) return;
      stats.datagramsIn++;
      const h = this.#handler;
      if (h !== undefined) {
        try {
          h(d);
        } catch {
          /* a handler's error is its own */
        }
      } else if (this.#backlog.length < this.host.datagramBacklog) {
        this.#backlog.push(d);
      } else {
        this.host.count('datagramsDropped');
      }
    }
  }
}
