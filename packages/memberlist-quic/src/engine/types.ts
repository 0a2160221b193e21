// The one internal QUIC engine interface of memberlist-quic. The transport
// (pool, framing, fallback) is written against this, never against a QUIC
// package, so the engine can be swapped (the lean quiche driver here, or a
// package's high-level API) without touching protocol code.
import type { Clock, Logger, Metrics } from '@shoal/kit';

export interface HostPort {
  host: string;
  port: number;
}

/** Result of the JS peer-verification hook: accept, or refuse with a reason (and a TLS alert, default 42 bad_certificate). */
export type VerifyResult = { ok: true } | { ok: false; reason: string; alert?: number };

export interface VerifyInfo {
  /** Our role on this connection: 'client' verifies the server's chain, 'server' the client's. */
  role: 'client' | 'server';
  remote: HostPort;
  /** The negotiated ALPN. */
  alpn: string;
}

/** Called once per handshake, on both sides, with the peer's chain (leaf first, DER). */
export type VerifyPeer = (chainDer: readonly Uint8Array[], info: VerifyInfo) => VerifyResult;

/**
 * This node's identity. There is no trust store: verifyPeer is the only
 * judge of a peer's chain (it holds the CA), so the TLS stack is not given
 * one to check the same chain again for a verdict it must ignore.
 */
export interface QuicTlsOptions {
  /** PEM certificate chain of this node (leaf first). */
  cert: string;
  /** PEM private key of the leaf. */
  key: string;
  /** Decides every handshake: the TLS stack requests and collects the peer's chain, this hook judges it. */
  verifyPeer: VerifyPeer;
}

export interface QuicEngineOptions {
  /** Address to bind the one UDP socket to (listening and dialling). */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  clock: Clock;
  tls: QuicTlsOptions;
  /** ALPNs accepted from dialling peers, in order of preference. */
  alpn: readonly string[];
  logger?: Logger;
  /** Receives every drop, refusal and handshake outcome as counter `memberlist.quic.engine.<stat>` (the QuicEngineStats names; per-packet stats are left out). */
  metrics?: Metrics;
  /** QUIC max idle timeout. Default 30 000. */
  idleTimeoutMs?: number;
  /** Interval of keep-alive PINGs on an established connection that heard nothing from its peer in the last interval; at most idleTimeoutMs / 3; 0 disables. Default 10 000. */
  keepAliveMs?: number;
  /** An inbound handshake not done within this is dropped. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Inbound connections still in handshake; more are dropped and counted. Default 256 (quic-go's MaxUnvalidatedHandshakes is 128, beyond which it asks for a Retry). */
  maxPendingHandshakes?: number;
  /**
   * Connections held at once, both directions, in handshake or established;
   * an inbound Initial beyond it is dropped and counted (droppedConnectionLimit),
   * a dial beyond it fails. Bounds memory against a peer that opens connection
   * after connection (quic-go has no such cap). Default 4096.
   */
  maxConnections?: number;
  /** Accepted connections not yet taken from `incoming`; more are closed and counted. Default 256. */
  acceptBacklog?: number;
  /**
   * Peer streams not yet taken from a connection's `incomingStreams`; more wait
   * unread in quiche (so count against the peer's stream limit and flow control)
   * until the application takes one. Default 64.
   */
  streamBacklog?: number;
  /** Received datagrams buffered per connection before a handler is set; more are dropped. Default 256. */
  datagramBacklog?: number;
  /** Max UDP payload we send and receive. Default 1452 (datagram payload 1408). */
  maxUdpPayload?: number;
  /** Offer RFC 9221 datagrams. Default true. */
  datagrams?: boolean;
  /** Concurrent peer-opened streams allowed per connection. Default 100 each. */
  maxStreamsBidi?: number;
  maxStreamsUni?: number;
  /** Kernel receive and send buffer sizes asked for (best effort, capped by the OS); 0 keeps the OS default. Default 7 MiB, as quic-go. */
  socketBufferBytes?: number;
  /** Flow-control windows. Defaults: stream 1 MiB, connection 10 MiB. */
  streamWindow?: number;
  connectionWindow?: number;
}

export interface DialOptions {
  /** ALPNs offered, in order of preference. */
  alpn: readonly string[];
  /** The handshake (including the peer's verdict on our certificate) must finish within this. */
  timeoutMs: number;
  /** TLS SNI; default none (peers are addressed by IP). */
  serverName?: string;
  /**
   * Called once, as soon as our verifyPeer has accepted the server and we hold
   * 1-RTT keys: one round trip before the server's verdict on our certificate,
   * which dial() waits for. Datagrams may be sent on the connection from then
   * on (they leave with our Finished); if the server refuses us, they are lost
   * with the connection.
   */
  onServerVerified?: (conn: QuicConnection) => void;
}

export type DatagramSendResult = 'sent' | 'too-large' | 'not-negotiated' | 'queue-full' | 'closed';

/** How a connection ended. `initiator` 'local' means we closed it (or timed out). */
export interface QuicCloseInfo {
  initiator: 'local' | 'peer' | 'idle-timeout';
  /** true for an application close (our codes), false for a transport/crypto one. */
  isApp: boolean;
  code: number;
  reason: string;
}

export interface QuicStream extends AsyncIterable<Uint8Array> {
  readonly id: number;
  readonly bidi: boolean;
  /** Opened by us (true) or by the peer. */
  readonly local: boolean;
  /** Next chunk, or null at FIN. Rejects with QuicStreamResetError if the peer reset it. */
  read(): Promise<Uint8Array | null>;
  /** Queues bytes; resolves once QUIC has taken them (flow control applies backpressure). */
  write(data: Uint8Array): Promise<void>;
  /** Optionally writes `data`, then sends FIN. */
  end(data?: Uint8Array): Promise<void>;
  /** Abruptly ends our sending side (RESET_STREAM). */
  reset(code: number): void;
  /** Asks the peer to stop sending (STOP_SENDING) and discards what arrives. */
  stopReading(code: number): void;
  /** Resolves when both directions are finished (FIN/reset) or the connection closed. */
  readonly done: Promise<void>;
}

export interface QuicConnection {
  readonly role: 'client' | 'server';
  readonly remote: HostPort;
  /** The negotiated ALPN. */
  readonly alpn: string;
  /** The peer's certificate chain, leaf first, DER. */
  readonly peerCertificates: readonly Uint8Array[];
  /** Largest datagram payload that fits now; null when the peer did not negotiate datagrams. */
  maxDatagramSize(): number | null;
  /** Sends one unreliable datagram; never throws. 'too-large'/'not-negotiated' mean: use a stream. */
  sendDatagram(data: Uint8Array): DatagramSendResult;
  /** Receives datagrams; those that arrived before a handler was set are delivered first (bounded). */
  onDatagram(handler: ((data: Uint8Array) => void) | undefined): void;
  /** Opens a stream; waits for stream credit from the peer if none is left. */
  openBidi(): Promise<QuicStream>;
  openUni(): Promise<QuicStream>;
  /** Streams the peer opened (bounded backlog; refused beyond it). Ends when the connection closes. */
  readonly incomingStreams: AsyncIterable<QuicStream>;
  /** Closes with an application error code and reason; resolves once CONNECTION_CLOSE was sent. */
  close(code?: number, reason?: string): void;
  readonly closed: Promise<QuicCloseInfo>;
  readonly isClosed: boolean;
}

export interface QuicEngineStats {
  packetsIn: number;
  packetsOut: number;
  /** Not QUIC at all (bad header) or an unsupported/unparseable long header. */
  droppedGarbage: number;
  /** Well-formed short header for a connection ID we do not know. */
  droppedUnknownCid: number;
  /** Inbound handshakes beyond maxPendingHandshakes. */
  droppedHandshakeLimit: number;
  /** Long-header packets of a QUIC version we do not speak (answered with Version Negotiation when at least 1200 bytes). */
  droppedUnsupportedVersion: number;
  /** Inbound connection attempts beyond maxConnections. */
  droppedConnectionLimit: number;
  /** Handshakes refused by our verifyPeer hook. */
  handshakesRefused: number;
  /** Handshakes that failed otherwise (peer refused us, ALPN, TLS, timeout). */
  handshakesFailed: number;
  handshakesTimedOut: number;
  connectionsAccepted: number;
  connectionsDialled: number;
  /** Accepted connections closed because the accept backlog was full. */
  connectionsRefusedBacklog: number;
  /** Always 0: peer streams beyond streamBacklog wait instead (kept for compatibility). */
  streamsRefused: number;
  datagramsIn: number;
  datagramsOut: number;
  datagramsDropped: number;
  socketErrors: number;
  /** Gauge: connections held now (both directions, handshake or established, until quiche is done with them). */
  connections: number;
  /** Gauge: inbound connections still in handshake. */
  pendingHandshakes: number;
}

export interface QuicEngine {
  /** The bound address of the socket. */
  readonly local: HostPort;
  dial(remote: HostPort, options: DialOptions): Promise<QuicConnection>;
  /** Inbound connections, after a successful mutual handshake. Ends at close(). */
  readonly incoming: AsyncIterable<QuicConnection>;
  /** Called for every failed handshake, inbound or outbound, with a typed error (also counted). */
  onHandshakeError(handler: ((error: Error) => void) | undefined): void;
  stats(): Readonly<QuicEngineStats>;
  /**
   * When a peer at `remote` is handshaking with us (it dialled us), a promise
   * of that connection once it is established and queued on `incoming`
   * (undefined if the handshake fails); undefined when none is under way. A
   * caller about to dial the same peer can wait for it instead of opening a
   * second connection that a tie-break would then throw away.
   */
  inboundHandshake?(remote: HostPort): Promise<QuicConnection | undefined> | undefined;
  /** Closes every connection (code, reason) and then the socket. */
  close(code?: number, reason?: string): Promise<void>;
}
