// The receiving side of the transport, per pooled connection: packets
// (datagrams, and unidirectional streams of one framed packet each) go to
// memberlist's packet handler; a bidirectional stream is a memberlist stream
// or, under shoal-quic/1, whatever its kind byte says (memberlist or
// application).
import type { Clock, Logger, Metrics, Timer } from '@shoal/kit';
import type { TransportHandler } from '@shoal/memberlist';
import type { QuicStream } from '../engine/types.js';
import { type FrameProgress, hasKindByte, MAX_PACKET_FRAME, PacketFrameDecoder, streamKindOf } from './framing.js';
import type { PooledConnection } from './pool.js';
import { type FinWait, QuicStreamConn, withLeftover } from './stream-conn.js';

/** Who opened an application stream to us. */
export interface AppStreamInfo {
  /** The peer's listening address, "host:port". */
  from: string;
  /** The CN of the peer's certificate. */
  peerName: string;
}

export type AppStreamHandler = (stream: QuicStream, info: AppStreamInfo) => void;

/** What the receiving side needs from the transport. */
export interface ReceiverHost {
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** A stream's header (frame or kind byte) must arrive within this. */
  readonly streamHeaderTimeoutMs: number;
  /** After close(), a memberlist stream waits this long for the peer's FIN, then stops reading. */
  readonly finWait: FinWait;
  /** memberlist's handler; undefined when not listening or shut down. */
  memberlist(): TransportHandler | undefined;
  /** The application's stream handler; undefined when none or shut down. */
  app(): AppStreamHandler | undefined;
  /** Counts a stream on its connection until it finishes. */
  track(pc: PooledConnection, stream: QuicStream): void;
  /** Holds a memberlist stream until it is done (shutdown aborts it). */
  trackConn(conn: QuicStreamConn): QuicStreamConn;
}

export class Receiver {
  constructor(readonly host: ReceiverHost) {}

  /** Receives what the peer sends on `pc`, from now until it closes. */
  serve(pc: PooledConnection): void {
    pc.conn.onDatagram((buf) => this.#deliver(buf, pc.key, 'datagram'));
    void this.#acceptStreams(pc);
  }

  async #acceptStreams(pc: PooledConnection): Promise<void> {
    for await (const stream of pc.conn.incomingStreams) {
      this.host.track(pc, stream);
      if (!stream.bidi) void this.#readPacketStream(pc, stream);
      else void this.#acceptBidi(pc, stream);
    }
  }

  #deliver(buf: Uint8Array, from: string, path: 'datagram' | 'stream'): void {
    const { metrics, logger } = this.host;
    const handler = this.host.memberlist();
    if (!handler) {
      metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'not-listening' });
      return;
    }
    metrics.incrCounter('memberlist.quic.packet.received', 1, { path });
    try {
      handler.packet({ buf, from, timestampMs: this.host.clock.now() });
    } catch (error) {
      metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'handler' });
      logger.error({ err: error, from }, 'memberlist-quic: packet handler failed');
    }
  }

  /** A packet stream: reads its frame, hands the packet on, then reads on to the FIN (see drainToFin). */
  async #readPacketStream(pc: PooledConnection, stream: QuicStream): Promise<void> {
    const { metrics, logger } = this.host;
    const decoder = new PacketFrameDecoder();
    let timedOut = false;
    const deadline = this.#headerDeadline(stream, () => (timedOut = true));
    try {
      let progress: FrameProgress = { state: 'more' };
      let finished = false;
      while (progress.state === 'more') {
        const chunk = await stream.read();
        finished = chunk === null;
        progress = chunk === null ? decoder.end() : decoder.push(chunk);
      }
      deadline.cancel();
      if (timedOut) return; // counted at the timeout
      if (progress.state === 'error') {
        if (!finished) stream.stopReading(0);
        metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: `frame-${progress.reason}` });
        logger.debug({ peer: pc.key, detail: progress.detail }, 'memberlist-quic: bad packet frame');
        return;
      }
      this.#deliver(progress.payload, pc.key, 'stream');
      // The packet is in; a stream that fails after it (a reset, the connection closing) lost nothing.
      if (!finished) await drainToFin(stream).catch(() => undefined);
    } catch (error) {
      deadline.cancel();
      if (timedOut) return;
      metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'stream-error' });
      logger.debug({ err: error, peer: pc.key }, 'memberlist-quic: packet stream failed');
    }
  }

  /** A bidirectional stream: to the application or to memberlist, by its kind byte where the ALPN has one. */
  async #acceptBidi(pc: PooledConnection, stream: QuicStream): Promise<void> {
    const { metrics, logger } = this.host;
    let kind: 'memberlist' | 'app' | undefined = 'memberlist';
    let leftover: Uint8Array | undefined;
    if (hasKindByte(pc.conn.alpn)) {
      let first: Uint8Array | null;
      const deadline = this.#headerDeadline(stream);
      try {
        do first = await stream.read();
        while (first !== null && first.length === 0);
      } catch {
        return; // reset by the peer, or refused at the header timeout (counted there)
      } finally {
        deadline.cancel();
      }
      if (first === null) return; // opened and finished without a kind byte
      kind = streamKindOf(first[0]!);
      leftover = first.subarray(1);
    }
    if (kind === 'app') {
      const handler = this.host.app();
      if (!handler) return this.#refuse(stream, 'app-no-handler');
      metrics.incrCounter('memberlist.quic.stream.accepted', 1, { kind });
      try {
        handler(withLeftover(stream, leftover ?? new Uint8Array(0)), { from: pc.key, peerName: pc.peerName });
      } catch (error) {
        logger.error({ err: error, from: pc.key }, 'memberlist-quic: application stream handler failed');
        stream.reset(1);
      }
      return;
    }
    if (kind === undefined) return this.#refuse(stream, 'unknown-kind');
    const handler = this.host.memberlist();
    if (!handler) return this.#refuse(stream, 'not-listening');
    metrics.incrCounter('memberlist.quic.stream.accepted', 1, { kind });
    const conn = this.host.trackConn(new QuicStreamConn(stream, pc.key, { finWait: this.host.finWait, ...(leftover ? { leftover } : {}) }));
    try {
      handler.stream(conn);
    } catch (error) {
      metrics.incrCounter('memberlist.quic.stream.dropped', 1, { reason: 'handler' });
      logger.error({ err: error, from: pc.key }, 'memberlist-quic: stream handler failed');
      conn.close();
    }
  }

  /** Resets `stream` and counts it when the header timeout passes first (cancel the timer once the header is in). */
  #headerDeadline(stream: QuicStream, onTimeout?: () => void): Timer {
    return this.host.clock.after(this.host.streamHeaderTimeoutMs, () => {
      onTimeout?.();
      this.#refuse(stream, 'header-timeout');
    });
  }

  #refuse(stream: QuicStream, reason: string): void {
    this.host.metrics.incrCounter('memberlist.quic.stream.dropped', 1, { reason });
    stream.reset(1);
    stream.stopReading(1);
  }
}

/**
 * Reads a packet stream on to its FIN once the frame is complete, dropping
 * any further bytes (at most MAX_PACKET_FRAME, then it stops reading). The
 * engine returns a stream's credit to the peer only once the FIN is read: a
 * stream stopped before it never frees its slot, and quic-go, which sends the
 * FIN in a packet after the payload, could open no packet stream after its
 * first 100.
 */
async function drainToFin(stream: QuicStream): Promise<void> {
  let extra = 0;
  for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
    extra += chunk.length;
    if (extra > MAX_PACKET_FRAME) {
      stream.stopReading(0);
      return;
    }
  }
}
