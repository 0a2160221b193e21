// One QUIC connection over the native quiche binding: the recv → process →
// send loop, the quiche timer on the injected Clock, the handshake with the
// JS verifyPeer hook on both sides, datagrams and streams.
import { AsyncQueue, Deferred, type Clock, type Timer } from '@shoal/kit';
import { CRYPTO_ERROR_BASE, describeTransportCode, QuicConnectionClosedError, QuicHandshakeError } from './errors.js';
import type { NativeConnection, NativeRecvInfo } from './native.js';
import { hasShortHeaderPacket } from './packet-header.js';
import { QuicheStream, type StreamHost } from './quiche-stream.js';
import type { CountedStat } from './real-quiche-engine.js';
import type { DatagramSendResult, HostPort, QuicCloseInfo, QuicConnection, QuicEngineStats, QuicStream, VerifyPeer } from './types.js';

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

type Phase = 'handshake' | 'verified' | 'open' | 'closed';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class QuicheConnection implements QuicConnection, StreamHost {
  readonly remote: HostPort;
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
  #timer: Timer | undefined;
  #timerAt = Infinity;
  #heardSinceKeepAlive = false;
  #streams = new Map<number, QuicheStream>();
  #blocked = new Set<QuicheStream>();
  #nextLocalBidi: number;
  #nextLocalUni: number;
  #nextPeerBidi: number;
  #nextPeerUni: number;
  /** Peer stream ids below #nextPeer* not seen yet (see #readable). */
  #skippedPeerIds = new Set<number>();
  #openWaiters: { uni: boolean; done: Deferred<QuicStream> }[] = [];
  #incoming: AsyncQueue<QuicStream>;
  /** A new peer stream found the backlog full and waits in quiche (see #readable). */
  #acceptDeferred = false;
  #datagramHandler: ((data: Uint8Array) => void) | undefined;
  /** quiche's dgramMaxWritableLen() once read (null: not negotiated); undefined until then. */
  #datagramMax: number | null | undefined;
  #datagramBacklog: Uint8Array[] = [];
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
    this.#recvInfo = { from: { host: remote.host, port: remote.port }, to: { host: local.host, port: local.port } };
    this.#sendBuf = Buffer.allocUnsafe(host.maxUdpPayload);
    const s = role === 'client' ? 0 : 1;
    this.#nextLocalBidi = s;
    this.#nextLocalUni = s + 2;
    this.#nextPeerBidi = 1 - s;
    this.#nextPeerUni = 3 - s;
    this.#incoming = new AsyncQueue<QuicStream>(host.streamBacklog);
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
    return { [Symbol.asyncIterator]: () => this.#takeStreams() };
  }

  async *#takeStreams(): AsyncGenerator<QuicStream, void, undefined> {
    for await (const s of this.#incoming) {
      // A stream left the backlog: accept the ones waiting in quiche.
      if (this.#acceptDeferred) queueMicrotask(this.#resumeAccept);
      yield s;
    }
  }

  readonly #resumeAccept = (): void => {
    if (!this.#acceptDeferred || this.#released || this.#phase !== 'open') return;
    this.#acceptDeferred = false;
    this.#readStreams();
    this.scheduleFlush();
  };

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
    if (datagrams > 0) this.#drainDatagrams(datagrams);
    this.#readStreams();
    if (this.#blocked.size > 0) {
      for (const s of this.#blocked) if (!s.resumeWrites()) this.#blocked.delete(s);
    }
    if (this.#openWaiters.length > 0) this.#serveOpenWaiters();
    if (conn.isDraining() || conn.isClosed()) this.#onClosed();
  }

  #verify(): boolean {
    const conn = this.conn;
    this.alpn = decoder.decode(conn.applicationProto());
    this.peerCertificates = conn.peerCertChain() ?? [];
    let result;
    try {
      result = this.host.verifyPeer(this.peerCertificates, { role: this.role, remote: this.remote, alpn: this.alpn });
    } catch (e) {
      result = { ok: false as const, reason: `verifyPeer threw: ${(e as Error).message}`, alert: 80 };
    }
    if (result.ok) return true;
    const alert = result.alert ?? 42;
    // A client that refuses the server: quiche would send the close under 1-RTT keys the server
    // cannot read yet, so finish the handshake first (our Finished), then close.
    if (this.role === 'client') this.#flush();
    conn.close(false, CRYPTO_ERROR_BASE + alert, encoder.encode(result.reason));
    this.host.count('handshakesRefused');
    this.#phase = 'closed';
    this.#closedError = new QuicConnectionClosedError(result.reason);
    this.host.handshakeFailed(this, new QuicHandshakeError('local', CRYPTO_ERROR_BASE + alert, result.reason, this.#remoteText()));
    this.#closed.resolve({ initiator: 'local', isApp: false, code: CRYPTO_ERROR_BASE + alert, reason: result.reason });
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

  #failHandshake(): void {
    const conn = this.conn;
    const peer = conn.peerError();
    const local = conn.localError();
    let err: QuicHandshakeError;
    if (peer != null) {
      const reason = decoder.decode(peer.reason) || describeTransportCode(peer.errorCode);
      err = new QuicHandshakeError('peer', peer.errorCode, peer.isApp ? `application close ${peer.errorCode}: ${reason}` : reason, this.#remoteText());
    } else if (local != null) {
      const reason = decoder.decode(local.reason) || describeTransportCode(local.errorCode);
      err = new QuicHandshakeError('local', local.errorCode, reason, this.#remoteText());
    } else if (conn.isTimedOut()) {
      err = new QuicHandshakeError('timeout', 0, 'handshake idle timeout', this.#remoteText());
    } else {
      err = new QuicHandshakeError('local', 0, 'connection closed during handshake', this.#remoteText());
    }
    this.host.count('handshakesFailed');
    this.#phase = 'closed';
    this.#closedError = new QuicConnectionClosedError(err.reason);
    this.host.handshakeFailed(this, err);
    this.#closed.resolve({ initiator: err.by === 'peer' ? 'peer' : 'local', isApp: false, code: err.transportCode, reason: err.reason });
  }

  /** The engine's handshake deadline passed. */
  handshakeTimeout(): void {
    if (this.#phase === 'open' || this.#phase === 'closed') return;
    this.host.count('handshakesTimedOut');
    this.#phase = 'closed';
    const err = new QuicHandshakeError('timeout', 0, 'handshake timed out', this.#remoteText());
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
    const clock = this.host.clock;
    const now = clock.now();
    const at = now + t;
    // Keep the armed timer when it fires before quiche's deadline but not
    // before half the wait (it then just re-arms): so the idle deadline, which
    // every packet pushes on, does not cost a new timer per packet. Replace it
    // when it would fire later, or much earlier: a loss-detection deadline
    // that an ACK has since cleared would otherwise wake an idle process for
    // nothing, and a wake-up from idle costs more CPU here than the packet.
    if (this.#timer !== undefined && this.#timer.active && this.#timerAt <= at + 1 && this.#timerAt >= now + t / 2) return;
    this.#timer?.cancel();
    this.#timerAt = at;
    this.#timer = clock.after(t + 1, this.#onTimer);
  }

  readonly #onTimer = (): void => {
    this.#timerAt = Infinity;
    if (this.#released) return;
    // A timer kept because it was earlier (see #armTimer) usually fires after
    // quiche's deadline moved on (the ACK it waited for came): then only re-arm.
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
    if (!wasOpen) this.host.handshakeFailed(this, new QuicHandshakeError('local', code, reason || 'closed during handshake', this.#remoteText()));
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
      let info: QuicCloseInfo;
      const peer = conn.peerError();
      const local = conn.localError();
      if (peer != null) {
        info = { initiator: 'peer', isApp: peer.isApp, code: peer.errorCode, reason: decoder.decode(peer.reason) };
        if (!peer.isApp && peer.errorCode >= CRYPTO_ERROR_BASE && peer.errorCode <= 0x1ff) {
          // The peer refused our certificate right after the handshake (a client verifies last).
          this.host.count('handshakesFailed');
          this.host.handshakeFailed(this, new QuicHandshakeError('peer', peer.errorCode, info.reason || describeTransportCode(peer.errorCode), this.#remoteText()));
        }
      } else if (conn.isTimedOut()) {
        info = { initiator: 'idle-timeout', isApp: false, code: 0, reason: 'idle timeout' };
      } else {
        info = { initiator: 'local', isApp: local?.isApp ?? false, code: local?.errorCode ?? 0, reason: local ? decoder.decode(local.reason) : '' };
      }
      this.#closedError = new QuicConnectionClosedError(info.reason || `${info.initiator} close, code ${info.code}`);
      this.#abortAll();
      this.#closed.resolve(info);
    }
    if (conn.isClosed()) this.#release();
  }

  #abortAll(): void {
    const err = this.#closedError!;
    for (const s of this.#streams.values()) s.abort(err);
    this.#streams.clear();
    this.#blocked.clear();
    for (const w of this.#openWaiters.splice(0)) w.done.reject(err);
    this.#incoming.close();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#timer?.cancel();
    if (!this.#closed.settled) {
      this.#phase = 'closed';
      this.#closedError = new QuicConnectionClosedError('released');
      this.#abortAll();
      this.#closed.resolve({ initiator: 'local', isApp: true, code: 0, reason: 'released' });
    }
    this.host.released(this);
  }

  // ---- datagrams ----

  maxDatagramSize(): number | null {
    if (!this.#canSendDatagrams) return null;
    return this.conn.dgramMaxWritableLen();
  }

  /**
   * The size limit is remembered (it is fixed once the peer's transport
   * parameters are in, this quiche having no path MTU discovery): a native
   * call fewer per datagram, each costing a few µs on the cold path of a
   * steady cluster. The queue check stays: over a full queue quiche takes the
   * datagram and silently drops another.
   */
  sendDatagram(data: Uint8Array): DatagramSendResult {
    if (!this.#canSendDatagrams) return 'closed';
    const conn = this.conn;
    let max = this.#datagramMax;
    if (max === undefined) max = this.#datagramMax = conn.dgramMaxWritableLen();
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
      this.#datagramMax = undefined;
      if (m === 'BufferTooShort') return 'too-large';
      if (m === 'InvalidState') return 'not-negotiated';
      return 'closed';
    }
    this.host.counters.datagramsOut++;
    this.scheduleFlush();
    return 'sent';
  }

  onDatagram(handler: ((data: Uint8Array) => void) | undefined): void {
    this.#datagramHandler = handler;
    if (handler !== undefined && this.#datagramBacklog.length > 0) {
      for (const d of this.#datagramBacklog.splice(0)) handler(d);
    }
  }

  /** Delivers the `queued` datagrams quiche holds (counted first: one native call fewer than reading to null). */
  #drainDatagrams(queued: number): void {
    const conn = this.conn;
    const stats = this.host.counters;
    for (let i = 0; i < queued; i++) {
      const d = conn.dgramRecvVec();
      if (d === null) return;
      stats.datagramsIn++;
      const h = this.#datagramHandler;
      if (h !== undefined) {
        try {
          h(d);
        } catch {
          /* a handler's error is its own */
        }
      } else if (this.#datagramBacklog.length < this.host.datagramBacklog) {
        this.#datagramBacklog.push(d);
      } else {
        this.host.count('datagramsDropped');
      }
    }
  }

  // ---- streams ----

  /**
   * Reads every stream the last packets made readable. quiche's readable()
   * iterator costs ~37 µs a call through this binding (a napi generator), a
   * streamReadable(id) probe ~0.2 µs: so the streams we hold are probed one by
   * one, then the ids the peer would open next, and the iterator runs only
   * when something else is still readable (a stream opened out of order, a
   * reset, a stream paused above its read high-water mark, or one we no
   * longer hold).
   */
  #readStreams(): void {
    const conn = this.conn;
    if (!conn.isReadable()) return;
    if (this.#streams.size <= PROBE_STREAMS_MAX) {
      for (const s of this.#streams.values()) if (conn.streamReadable(s.id)) s.onReadable();
      this.#readNewPeerStreams(false);
      this.#readNewPeerStreams(true);
    }
    if (conn.isReadable()) {
      for (const id of conn.readable()) this.#readable(id);
    }
  }

  /** Takes new peer streams in order while the next id is readable (stops when the backlog is full). */
  #readNewPeerStreams(uni: boolean): void {
    for (;;) {
      const id = uni ? this.#nextPeerUni : this.#nextPeerBidi;
      if (!this.conn.streamReadable(id)) return;
      this.#readable(id);
      if ((uni ? this.#nextPeerUni : this.#nextPeerBidi) === id) return;
    }
  }

  #readable(id: number): void {
    let s = this.#streams.get(id);
    if (s === undefined) {
      const local = (id & 1) === (this.role === 'client' ? 0 : 1);
      const uni = (id & 2) !== 0;
      if (local) return void this.#drainUnknown(id);
      // A new peer stream (quiche reports it once it has data, FIN or a reset).
      const next = uni ? this.#nextPeerUni : this.#nextPeerBidi;
      // Below the next id: one we already took and forgot (drain it), or one
      // that was skipped because a later stream's data came first (a loss or
      // reordering): that one is new, and what it carries must not be lost.
      if (id < next && !this.#skippedPeerIds.has(id)) return void this.#drainUnknown(id);
      // The backlog is full: leave this stream (and every later one, to keep
      // their order) unread in quiche until the application takes a stream;
      // quiche reports it readable again then. The peer's stream limit and
      // flow control push back meanwhile. Refusing it instead would lose what
      // it carries: a batch of packets (processReceived) can open more streams
      // than the backlog holds before the application gets a turn to take any.
      if (this.#acceptDeferred) return;
      s = new QuicheStream(this, id, false);
      if (!this.#incoming.tryPush(s)) {
        this.#acceptDeferred = true;
        return;
      }
      if (id < next) {
        this.#skippedPeerIds.delete(id);
      } else {
        for (let skipped = next; skipped < id; skipped += 4) this.#skipPeerId(skipped);
        if (uni) this.#nextPeerUni = id + 4;
        else this.#nextPeerBidi = id + 4;
      }
      this.#streams.set(id, s);
    }
    s.onReadable();
  }

  /**
   * Remembers a peer stream id passed over. The peer can only use ids within
   * the stream credit we granted, so the set stays within a few hundred; the
   * cap (oldest id out first) bounds it anyway, e.g. against ids quiche
   * collected without ever reporting them readable.
   */
  #skipPeerId(id: number): void {
    if (this.#skippedPeerIds.size >= MAX_SKIPPED_PEER_IDS) this.#skippedPeerIds.delete(this.#skippedPeerIds.values().next().value!);
    this.#skippedPeerIds.add(id);
  }

  #drainUnknown(id: number): void {
    try {
      while (this.conn.streamRecv(id, this.host.scratch) !== null) {
        /* drop */
      }
    } catch {
      /* reset */
    }
  }

  openBidi(): Promise<QuicStream> {
    return this.#openStream(false);
  }

  openUni(): Promise<QuicStream> {
    return this.#openStream(true);
  }

  #openStream(uni: boolean): Promise<QuicStream> {
    if (this.#closedError !== null) return Promise.reject(this.#closedError);
    const s = this.#tryOpen(uni);
    if (s !== null) return Promise.resolve(s);
    const done = new Deferred<QuicStream>();
    this.#openWaiters.push({ uni, done });
    return done.promise;
  }

  /** Creates the stream in quiche now (a zero-length send) so stream credit is accounted at once. */
  #tryOpen(uni: boolean): QuicheStream | null {
    const conn = this.conn;
    if ((uni ? conn.peerStreamsLeftUni() : conn.peerStreamsLeftBidi()) <= 0) return null;
    const id = uni ? this.#nextLocalUni : this.#nextLocalBidi;
    try {
      conn.streamSend(id, EMPTY, false);
    } catch {
      return null;
    }
    if (uni) this.#nextLocalUni += 4;
    else this.#nextLocalBidi += 4;
    const s = new QuicheStream(this, id, true);
    this.#streams.set(id, s);
    return s;
  }

  #serveOpenWaiters(): void {
    while (this.#openWaiters.length > 0) {
      const w = this.#openWaiters[0]!;
      const s = this.#tryOpen(w.uni);
      if (s === null) return;
      this.#openWaiters.shift();
      w.done.resolve(s);
    }
  }

  blocked(stream: QuicheStream): void {
    this.#blocked.add(stream);
  }

  finished(stream: QuicheStream): void {
    this.#streams.delete(stream.id);
    this.#blocked.delete(stream);
  }

  #remoteText(): string {
    return `${this.remote.host}:${this.remote.port}`;
  }
}

const EMPTY = new Uint8Array(0);
/** Up to this many open streams, readable ones are found by probing each (see #readStreams); beyond, the iterator is cheaper. */
const PROBE_STREAMS_MAX = 64;
/** Bound of a connection's set of skipped peer stream ids (both directions). */
const MAX_SKIPPED_PEER_IDS = 1024;
