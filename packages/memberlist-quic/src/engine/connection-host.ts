// The contract between a connection and its engine (real-quiche-engine.ts):
// what each QuicheConnection calls back into.
import type { Clock } from '@shoal/kit';
import type { QuicHandshakeError } from './errors.js';
import type { QuicheConnection } from './quiche-connection.js';
import type { CountedStat } from './engine-stats.js';
import type { HostPort, QuicEngineStats, VerifyPeer } from './types.js';

/** What a connection needs from its engine. */
export interface ConnectionHost {
  readonly clock: Clock;
  readonly counters: QuicEngineStats;
  /** Shared streamRecv buffer. */
  readonly scratch: Uint8Array;
  /** Counts an event stat (and reports it as a metric). */
  count(stat: CountedStat): void;
  readonly verifyPeer: VerifyPeer;
  readonly streamBacklog: number;
  readonly datagramBacklog: number;
  readonly maxUdpPayload: number;
  /** Sends one UDP datagram (bytes [0, len) of buf) to the peer. */
  sendPacket(buf: Uint8Array, len: number, to: HostPort): void;
  /** The handshake finished and both sides accepted each other. */
  established(conn: QuicheConnection): void;
  /** The handshake failed (typed error). */
  handshakeFailed(conn: QuicheConnection, error: QuicHandshakeError): void;
  /** quiche is done with the connection: unroute it. */
  released(conn: QuicheConnection): void;
  /** Calls conn.processReceived() once the socket's pending packets are all read (setImmediate), then conn.flushAfterBatch() after the promise jobs that follow. */
  processLater(conn: QuicheConnection): void;
}
