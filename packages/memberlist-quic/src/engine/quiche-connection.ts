// One QUIC connection over the native quiche binding: the recv → process →
// send loop and the connection's phases (handshake with the JS verifyPeer
// hook on both sides, open, closed). Its streams (stream-table.ts), datagrams
// (datagram-channel.ts), timer (quiche-timer.ts) and close reasons
// (close-info.ts) are parts of their own.
import { Deferred } from '@shoal/kit';
import type { ConnectionHost } from './connection-host.js';
import { closeInfoOf, handshakeFailure, refusedByPeer } from './close-info.js';
import { DatagramChannel } from './datagram-channel.js';
import { QuicConnectionClosedError, QuicHandshakeError } from './errors.js';
import type { NativeConnection, NativeRecvInfo } from './native.js';
import { hasShortHeaderPacket } from './packet-header.js';
import { peerRefusal } from './peer-verdict.js';
import type { QuicheStream, StreamHost } from './quiche-stream.js';
import { QuicheTimer } from './quiche-timer.js';
import { StreamTable } from './stream-table.js';
import type { DatagramSendResult, HostPort, QuicCloseInfo, QuicConnection, QuicStream } from './types.js';

type Phase = 'handshake' | 'verified' | 'open' | 'closed';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class QuicheConnection implements QuicConnection, StreamHost {
  readonly remote: HostPort;
  /** The peer as "host:port", for errors. */
  readonly #remoteText: string;
  alpn = '';
  peerCertificates: readonly Uint8Array[] = [];
  /** Connection-ID keys routed to this connection (set by the engine). */
  readonly routeKeys: string[] = [];
  #phase: Phase = 'handshake';
  #recvInfo: NativeRecvInfo;
  #sendBuf: Buffer;
  #flushQueued = false;
  /** A flush ran since the last processReceived() (see flushAfterBatch). */
  #flushedSinceProcessed = false;
  /** Packets were fed to quiche since the last processReceived(). */
  #receivedPending = false;
  /** A 1-RTT packet arrived while the client waited for the server's verdict. */
  #sawShortWhileVerified = false;
  #timer: QuicheTimer;
  #heardSinceKeepAlive = false;
  #streams: StreamTable;
  #datagrams: DatagramChannel;
  #closed = new Deferred<QuicCloseInfo>();
  #closedError: Error | null = null;
  #released = false;
  /** Client: told once the server's certificate passed, before the server's verdict on ours (DialOptions.onServerVerified). */
  onServerVerified: ((conn: QuicConnection) => void) | undefined;
  readonly flush = (): void => this.#flush();

  constructor(
    readonly host: ConnectionHost,
    readonly conn: NativeConnection,
    readonly role: 'client' | 'server',
    local: HostPort,
    remote: HostPort,
  ) {
    this.remote = remote;
    this.#remoteText = `${remote.host}:${remote.port}`;
    this.#recvInfo = { from: { host: remote.host, port: remote.port }, to: { host: local.host, port: local.port } };
    this.#sendBuf = Buffer.allocUnsafe(host.maxUdpPayload);
    this.#timer = new QuicheTimer(host.clock, this.#onTimer);
    this.#streams = new StreamTable(this, role, host.streamBacklog, () => !this.#released && this.#phase === 'open');
    this.#datagrams = new DatagramChannel(conn, host, () => this.scheduleFlush());
  }

  get scratch(): Uint8Array {
    return this.host.scratch;
  }

  get isClosed(): boolean {
    return this.#phase === 'closed';
  }

  get closed(): Promise<QuicCloseInfo> {
    return this.#closed.promise;
  }

  get incomingStreams(): AsyncIterable<QuicStream> {
    return this.#streams.incoming;
  }

  closedError(): Error | null {
    return this.#closedError;
  }

  // ---- the I/O loop ----

  /**
   * One UDP datagram for this connection: fed to quiche at once, but the
   * reaction (reading streams, datagrams, sending ACKs and data) waits until
   * every packet the socket has ready was read. One ACK then covers a batch of
   * packets, and a stream is read once per batch instead of once per packet:
   * the profile showed per-packet ACKs and readable() scans as half the CPU.
   */
  onPacket(data: Buffer, from: HostPort): void {
    if (this.#released) return;
    const info = this.#recvInfo;
    if (info.from.port !== from.port || info.from.host !== from.host) {
      this.#recvInfo = { from: { host: from.host, port: from.port }, to: info.to };
    }
    // Client: the peer's verdict on our certificate is its first 1-RTT packet (HANDSHAKE_DONE) or a close.
    if (this.#phase === 'verified' && this.role === 'client' && hasShortHeaderPacket(data)) this.#sawShortWhileVerified = true;
    try {
      this.conn.recv(data, this.#recvInfo);
    } catch {
      // A local error (TLS failure, protocol violation) closes the connection; handled below.
    }
    this.#heardSinceKeepAlive = true;
    if (!this.#receivedPending) {
      this.#receivedPending = true;
      this.host.processLater(this);
    }
  }

  /**
   * After a batch of packets: react to everything they carried. The engine
   * calls flush() after the application's promise jobs have run, so that an
   * ACK rides on what the application answers meanwhile (a reply datagram,
   * echoed stream data) instead of costing a packet of its own.
   */
  processReceived(): void {
    this.#receivedPending = false;
    this.#flushedSinceProcessed = false;
    if (this.#released) return;
    const short = this.#sawShortWhileVerified;
    this.#sawShortWhileVerified = false;
    this.#afterRecv(short);
  }

  /** The engine already fed the first packet to quiche (to validate it). */
  afterFirstPacket(): void {
    this.#afterRecv(false);
    this.#flush();
  }

  #afterRecv(short: boolean): void {
    const conn = this.conn;
    if (this.#phase !== 'open') {
      if (this.#phase === 'closed') return;
      if (conn.isClosed() || conn.isDraining() || conn.localError() != null || conn.peerError() != null) {
        this.#failHandshake();
        return;
      }
      if (this.#phase === 'handshake' && conn.isEstablished()) {
        if (!this.#verify()) return;
        this.#phase = 'verified';
        if (this.role === 'client') this.#serverVerified();
      }
      if (this.#phase === 'verified' && (this.role === 'server' || short)) this.#open();
      else return;
    }
    // Established.
    const datagrams = conn.dgramRecvQueueLen();
    if (datagrams > 0) this.#datagrams.drain(datagrams);
    this.#streams.onReceived();
    if (conn.isDraining() || conn.isClosed()) this.#onClosed();
  }

  // ---- handshake ----

  #verify(): boolean {
    const conn = this.conn;
    this.alpn = decoder.decode(conn.applicationProto());
    this.peerCertificates = conn.peerCertChain() ?? [];
    const refusal = peerRefusal(this.host.verifyPeer, this.peerCertificates, { role: this.role, remote: this.remote, alpn: this.alpn });
    if (refusal === null) return true;
    // A client that refuses the server: quiche would send the close under 1-RTT keys the server
    // cannot read yet, so finish the handshake first (our Finished), then close.
    if (this.role === 'client') this.#flush();
    conn.close(false, refusal.code, encoder.encode(refusal.reason));
    this.host.count('handshakesRefused');
    this.#endHandshake(new QuicHandshakeError('local', refusal.code, refusal.reason, this.#remoteText), 'local');
    return false;
  }

  /** The client's early send window opens (see DialOptions.onServerVerified). */
  #serverVerified(): void {
    const notify = this.onServerVerified;
    this.onServerVerified = undefined;
    try {
      notify?.(this);
    } catch {
      /* the caller's own problem */
    }
  }

  /** Datagrams may go: established, or (client) the server verified and 1-RTT keys in hand. */
  get #canSendDatagrams(): boolean {
    return this.#phase === 'open' || (this.#phase === 'verified' && this.role === 'client');
  }

  #open(): void {
    this.#phase = 'open';
    this.host.established(this);
  }

  #failHandshake(): void {
    const err = handshakeFailure(this.conn, this.#remoteText);
    this.host.count('handshakesFailed');
    this.#endHandshake(err, err.by === 'peer' ? 'peer' : 'local');
  }

  /** The handshake ended without a connection: closed, with `err` told to the engine. */
  #endHandshake(err: QuicHandshakeError, initiator: 'local' | 'peer'): void {
    this.#phase = 'closed';
    this.#closedError = new QuicConnectionClosedError(err.reason);
    this.host.handshakeFailed(this, err);
    this.#closed.resolve({ initiator, isApp: false, code: err.transportCode, reason: err.reason });
  }

  /** The engine's handshake deadline passed. */
  handshakeTimeout(): void {
    if (this.#phase === 'open' || this.#phase === 'closed') return;
    this.host.count('handshakesTimedOut');
    this.#phase = 'closed';
    const err = new QuicHandshakeError('timeout', 0, 'handshake timed out', this.#remoteText);
    this.#closedError = new QuicConnectionClosedError(err.reason);
    try {
      this.conn.close(false, 0, encoder.encode('handshake timeout'));
    } catch {
      /* already closing */
    }
    this.#flush();
    this.host.handshakeFailed(this, err);
    this.#closed.resolve({ initiator: 'local', isApp: false, code: 0, reason: err.reason });
    this.#release();
  }

  // ---- sending and timers ----

  /**
   * The engine's keep-alive tick (every keepAliveMs, one timer for all
   * connections). PINGs only a connection that heard nothing since the last
   * tick: a packet from the peer restarts the idle timer just as well, and the
   * peer's own keep-alive then suffices for both ends (one PING and one ACK per
   * period). A PING therefore goes one to two periods after the last packet
   * heard, as with a timer per connection.
   */
  keepAliveTick(): void {
    if (this.#phase !== 'open' || this.#released) return;
    if (this.#heardSinceKeepAlive) {
      this.#heardSinceKeepAlive = false;
      return;
    }
    this.conn.sendAckEliciting();
    this.#flush();
  }

  /** Start of a client connection: send the first flight. */
  start(): void {
    this.#flush();
  }

  scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(this.flush);
  }

  /**
   * The engine's flush after a batch: skipped when the connection already
   * flushed since processReceived() (the application answered: its flush
   * carried the ACKs too, every packet of the batch having been fed to quiche
   * before), which saves the native calls of a flush with nothing to send.
   */
  flushAfterBatch(): void {
    if (!this.#flushedSinceProcessed) this.#flush();
  }

  #flush(): void {
    this.#flushQueued = false;
    this.#flushedSinceProcessed = true;
    if (this.#released) return;
    const conn = this.conn;
    const host = this.host;
    for (;;) {
      let r;
      try {
        r = conn.send(this.#sendBuf);
      } catch {
        break;
      }
      if (r === null) break;
      const buf = this.#sendBuf;
      host.sendPacket(buf, r[0], this.remote);
      this.#sendBuf = Buffer.allocUnsafe(host.maxUdpPayload);
    }
    this.#armTimer();
  }

  #armTimer(t = this.conn.timeout()): void {
    if (t === null) {
      if (this.conn.isClosed()) this.#onClosed();
      return;
    }
    this.#timer.arm(t);
  }

  readonly #onTimer = (): void => {
    if (this.#released) return;
    // A timer kept because it was earlier (see QuicheTimer.arm) usually fires
    // after quiche's deadline moved on (the ACK it waited for came): then only re-arm.
    const t = this.conn.timeout();
    if (t !== null && t > 0) {
      this.#armTimer(t);
      return;
    }
    this.conn.onTimeout();
    if (this.conn.isClosed()) {
      if (this.#phase !== 'open') {
        if (this.#phase !== 'closed') this.#failHandshake();
      }
      this.#onClosed();
      return;
    }
    this.#flush();
  };

  // ---- close ----

  close(code = 0, reason = ''): void {
    if (this.#phase === 'closed') return;
    try {
      this.conn.close(true, code, encoder.encode(reason));
    } catch {
      /* already closing */
    }
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    this.#closedError = new QuicConnectionClosedError(reason || `closed locally with code ${code}`);
    this.#abortAll();
    this.#closed.resolve({ initiator: 'local', isApp: true, code, reason });
    if (!wasOpen) this.host.handshakeFailed(this, new QuicHandshakeError('local', code, reason || 'closed during handshake', this.#remoteText));
    this.#flush();
  }

  /** Drops the connection without waiting for draining (engine shutdown). */
  release(): void {
    this.#release();
  }

  #onClosed(): void {
    const conn = this.conn;
    if (this.#phase !== 'closed') {
      this.#phase = 'closed';
      const info = closeInfoOf(conn);
      const refused = refusedByPeer(info, this.#remoteText);
      if (refused !== null) {
        this.host.count('handshakesFailed');
        this.host.handshakeFailed(this, refused);
      }
      this.#closedError = new QuicConnectionClosedError(info.reason || `${info.initiator} close, code ${info.code}`);
      this.#abortAll();
      this.#closed.resolve(info);
    }
    if (conn.isClosed()) this.#release();
  }

  #abortAll(): void {
    this.#streams.abortAll(this.#closedError!);
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#timer.cancel();
    if (!this.#closed.settled) {
      this.#phase = 'closed';
      this.#closedError = new QuicConnectionClosedError('released');
      this.#abortAll();
      this.#closed.resolve({ initiator: 'local', isApp: true, code: 0, reason: 'released' });
    }
    this.host.released(this);
  }

  // ---- datagrams and streams (their own parts) ----

  maxDatagramSize(): number | null {
    if (!this.#canSendDatagrams) return null;
    return this.#datagrams.maxSize();
  }

  sendDatagram(data: Uint8Array): DatagramSendResult {
    if (!this.#canSendDatagrams) return 'closed';
    return this.#datagrams.send(data);
  }

  onDatagram(handler: ((data: Uint8Array) => void) | undefined): void {
    this.#datagrams.onDatagram(handler);
  }

  openBidi(): Promise<QuicStream> {
    return this.#streams.open(false);
  }

  openUni(): Promise<QuicStream> {
    return this.#streams.open(true);
  }

  blocked(stream: QuicheStream): void {
    this.#streams.blocked(stream);
  }

  finished(stream: QuicheStream): void {
    this.#streams.finished(stream);
  }
}
