/**
 * memberlist over QUIC (the Go reference's protocol, spec §1), on one
 * QuicEngine: one UDP socket for listening and every dial.
 *
 * - Packets: one datagram each; a unidirectional stream `[u32 BE len][payload]`
 *   when the peer did not negotiate datagrams or the packet is too large.
 *   Sending never waits for a dial: packets queue behind it (bounded by
 *   packetQueueSize per peer; beyond it, and when the dial fails, they are
 *   dropped and counted).
 * - Streams: memberlist streams are bidirectional streams; under `shoal-quic/1`
 *   each starts with a kind byte and application streams (openAppStream /
 *   onAppStream) share the pool without ever reaching memberlist.
 * - Pool, tie-break and eviction: pool.ts, tie-break.ts, eviction.ts.
 * - Mutual TLS: the engine's verifyPeer hook runs verifyPeerCertificate against
 *   the CA on both sides; `requireNodeName` also checks the CN (config.ts says when).
 */
import { X509Certificate } from 'node:crypto';
import { type Clock, type Logger, type Metrics, noopMetrics, realClock, silentLogger, type Timer } from '@shoal/kit';
import {
  type Address,
  type AdvertiseAddress,
  finalAdvertiseAddress,
  joinHostPort,
  MemberlistError,
  MemberlistErrorCode,
  type NodeAwareTransport,
  parseIP,
  splitHostPort,
  TransportError,
  type TransportHandler,
} from '@shoal/memberlist';
import { createQuicheEngine } from '../engine/real-quiche-engine.js';
import type { QuicConnection, QuicEngine, QuicEngineStats, QuicStream, VerifyInfo, VerifyResult } from '../engine/types.js';
import { QuicHandshakeError } from '../engine/errors.js';
import { verifyPeerCertificate, type PeerCertificateRejection } from '../tls/verify.js';
import { type QuicTransportConfig, type ResolvedQuicTransportConfig, resolveConfig } from './config.js';
import { ALPN_MEMBERLIST, ALPN_PREFERENCE, encodePacketFrame, type FrameProgress, hasKindByte, MAX_PACKET_FRAME, PacketFrameDecoder, pathAfterDatagram, StreamKind, streamKindOf } from './framing.js';
import { CloseCode, ConnectionPool, PooledConnection } from './pool.js';
import { type FinWait, QuicStreamConn, withLeftover } from './stream-conn.js';

/** TLS alerts sent with each refusal (RFC 8446 §6). */
const ALERTS: Record<PeerCertificateRejection, number> = {
  'no-certificate': 116,
  malformed: 42,
  'unknown-ca': 48,
  expired: 45,
  'not-yet-valid': 45,
  'bad-usage': 43,
  'wrong-name': 42,
};

/** Who opened an application stream to us. */
export interface AppStreamInfo {
  /** The peer's listening address, "host:port". */
  from: string;
  /** The CN of the peer's certificate. */
  peerName: string;
}

export type AppStreamHandler = (stream: QuicStream, info: AppStreamInfo) => void;

/** One pooled connection, for inspection. */
export interface QuicConnectionInfo {
  peer: string;
  peerName: string;
  /** 'client': we dialled it. */
  role: 'client' | 'server';
  alpn: string;
  state: 'current' | 'draining' | 'standby';
  openStreams: number;
}

export class QuicTransport implements NodeAwareTransport {
  readonly #engine: QuicEngine;
  readonly #config: ResolvedQuicTransportConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #pool: ConnectionPool;
  readonly #selfName: string;
  readonly #expectedNames: Map<string, string>;
  /** Packets queued behind a dial, per peer, and when the first of them was queued. */
  readonly #pending = new Map<string, { since: number; packets: Uint8Array[] }>();
  readonly #open = new Set<QuicStreamConn>();
  #advertised: string;
  #handler: TransportHandler | undefined;
  #appHandler: AppStreamHandler | undefined;
  #shutdown = false;
  readonly #accepting: Promise<void>;

  private constructor(engine: QuicEngine, config: ResolvedQuicTransportConfig, selfName: string, expectedNames: Map<string, string>) {
    this.#engine = engine;
    this.#config = config;
    this.#clock = config.clock ?? realClock;
    this.#logger = config.logger ?? silentLogger;
    this.#metrics = config.metrics ?? noopMetrics;
    this.#selfName = selfName;
    this.#expectedNames = expectedNames;
    this.#advertised = joinHostPort(engine.local.host, engine.local.port);
    this.#pool = new ConnectionPool(
      {
        clock: this.#clock,
        logger: this.#logger,
        metrics: this.#metrics,
        policy: { maxConnectionAgeMs: config.maxConnectionAgeMs, drainGraceMs: config.drainGraceMs, drainTimeoutMs: config.drainTimeoutMs },
        self: () => ({ name: this.#selfName, addr: this.#advertised }),
        dial: (key) => this.#dial(key),
        inbound: (key) => {
          const target = splitHostPort(key);
          return target ? this.#engine.inboundHandshake?.(target) : undefined;
        },
        serve: (pc) => this.#serve(pc),
        ready: (pc) => this.#flushPending(pc),
      },
      config.poolSweepIntervalMs,
    );
    engine.onHandshakeError((error) => this.#onHandshakeError(error));
    this.#accepting = this.#accept();
  }

  /** Binds the UDP socket and starts accepting. Rejects with a clear error when the TLS material or the address is bad. */
  static async create(config: QuicTransportConfig): Promise<QuicTransport> {
    const resolved = resolveConfig(config);
    const clock = resolved.clock ?? realClock;
    const metrics = resolved.metrics ?? noopMetrics;
    const logger = resolved.logger ?? silentLogger;
    let ca: X509Certificate;
    let selfName: string;
    try {
      ca = new X509Certificate(resolved.tls.caPem);
      const own = verifyPeerCertificate([new X509Certificate(resolved.tls.certPem).raw], ca, { now: clock.wallTime() });
      if (!own.ok) throw new Error(`our own certificate: ${own.detail}`);
      selfName = own.commonName;
    } catch (error) {
      throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `memberlist-quic TLS material: ${(error as Error).message}`, { cause: error });
    }
    const expectedNames = new Map<string, string>();
    const verifyPeer = (chain: readonly Uint8Array[], info: VerifyInfo): VerifyResult => {
      const peer = joinHostPort(info.remote.host, info.remote.port);
      const expectedName = resolved.requireNodeName && info.role === 'client' ? expectedNames.get(peer) : undefined;
      const verdict = verifyPeerCertificate(chain, ca, { now: clock.wallTime(), expectedName });
      if (verdict.ok) return { ok: true };
      metrics.incrCounter('memberlist.quic.handshake.refused', 1, { reason: verdict.reason });
      logger.warn({ peer, role: info.role, reason: verdict.reason, detail: verdict.detail }, 'memberlist-quic: refused a peer certificate');
      return { ok: false, reason: `${verdict.reason}: ${verdict.detail}`, alert: ALERTS[verdict.reason] };
    };
    const alpn = resolved.shoalAlpn ? ALPN_PREFERENCE : [ALPN_MEMBERLIST];
    let engine: QuicEngine;
    try {
      engine = await (resolved.createEngine ?? createQuicheEngine)({
        idleTimeoutMs: resolved.idleTimeoutMs,
        keepAliveMs: resolved.keepAliveMs,
        streamBacklog: resolved.streamQueueSize,
        datagramBacklog: resolved.packetQueueSize,
        datagrams: resolved.datagrams,
        handshakeTimeoutMs: resolved.dialTimeoutMs * 2,
        metrics,
        ...resolved.engine,
        host: resolved.bindAddr,
        port: resolved.bindPort,
        clock,
        logger,
        alpn,
        tls: { cert: resolved.tls.certPem, key: resolved.tls.keyPem, verifyPeer },
      });
    } catch (error) {
      throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `memberlist-quic cannot bind ${resolved.bindAddr}:${resolved.bindPort}: ${(error as Error).message}`, { cause: error });
    }
    return new QuicTransport(engine, resolved, selfName, expectedNames);
  }

  /** The bound port (the chosen one when bindPort was 0). */
  get port(): number {
    return this.#engine.local.port;
  }

  /** The CN of our certificate. */
  get nodeName(): string {
    return this.#selfName;
  }

  finalAdvertiseAddr(ip: string, port: number): AdvertiseAddress {
    try {
      const chosen = finalAdvertiseAddress(ip || undefined, port || undefined, this.#engine.local.host, this.#engine.local.port);
      const bytes = parseIP(chosen.host);
      if (!bytes) throw new Error(`failed to parse advertise address '${chosen.host}'`);
      this.#advertised = joinHostPort(chosen.host, chosen.port);
      return { ip: bytes, port: chosen.port };
    } catch (error) {
      throw new MemberlistError(MemberlistErrorCode.InvalidConfig, (error as Error).message, { cause: error });
    }
  }

  writeTo(buf: Uint8Array, addr: string): number {
    return this.#write(buf, addr, '');
  }

  writeToAddress(buf: Uint8Array, addr: Address): number {
    return this.#write(buf, addr.addr, addr.name);
  }

  dialTimeout(addr: string, timeoutMs: number): Promise<QuicStreamConn> {
    return this.#openMemberlistStream(addr, '', timeoutMs);
  }

  dialAddressTimeout(addr: Address, timeoutMs: number): Promise<QuicStreamConn> {
    return this.#openMemberlistStream(addr.addr, addr.name, timeoutMs);
  }

  listen(handler: TransportHandler): void {
    this.#handler = handler;
  }

  /**
   * Opens an application stream to `addr` over the pool (dialling if needed).
   * Needs `shoal-quic/1` on the connection: a Go peer has no way to tell it
   * from a memberlist stream, so it rejects with a TransportError.
   */
  async openAppStream(addr: string, options: { name?: string; timeoutMs?: number } = {}): Promise<QuicStream> {
    const key = this.#key(addr);
    const pc = await this.#withTimeout(this.#connection(key, options.name ?? ''), options.timeoutMs ?? this.#config.dialTimeoutMs, key);
    if (!hasKindByte(pc.conn.alpn)) throw new TransportError(`${key} speaks ${pc.conn.alpn} only: application streams need ${ALPN_PREFERENCE[0]}`, true);
    const stream = await pc.conn.openBidi();
    this.#track(pc, stream);
    await stream.write(Uint8Array.of(StreamKind.app));
    this.#metrics.incrCounter('memberlist.quic.stream.opened', 1, { kind: 'app' });
    return stream;
  }

  /** Receives application streams; without a handler they are reset and counted. */
  onAppStream(handler: AppStreamHandler | undefined): void {
    this.#appHandler = handler;
  }

  /** The pooled connections. */
  connections(): QuicConnectionInfo[] {
    return this.#pool.connections().map((pc) => ({
      peer: pc.key,
      peerName: pc.peerName,
      role: pc.conn.role,
      alpn: pc.conn.alpn,
      state: pc.standby ? 'standby' : pc.drainingSince !== undefined ? 'draining' : 'current',
      openStreams: pc.openStreams,
    }));
  }

  /** The engine's counters. */
  engineStats(): Readonly<QuicEngineStats> {
    return this.#engine.stats();
  }

  /** Closes every connection and the socket; pending dials and streams fail. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    for (const [, queue] of this.#pending) this.#metrics.incrCounter('memberlist.quic.packet.dropped', queue.packets.length, { reason: 'shutdown' });
    this.#pending.clear();
    for (const conn of this.#open) conn.abort();
    this.#open.clear();
    this.#pool.close();
    await this.#engine.close(CloseCode.shutdown, 'transport shutdown');
    await this.#accepting;
  }

  // ---- sending ----

  #key(addr: string): string {
    if (this.#shutdown) throw new TransportError('transport is shut down', false);
    const target = splitHostPort(addr);
    if (!target) throw new TransportError(`cannot reach '${addr}': not an ip:port address`, false);
    return joinHostPort(target.host, target.port);
  }

  #write(buf: Uint8Array, addr: string, name: string): number {
    const key = this.#key(addr);
    const now = this.#clock.now();
    this.#sendPacket(buf, key, name);
    return now;
  }

  #sendPacket(buf: Uint8Array, key: string, name: string): void {
    const pc = this.#usable(key, name);
    if (pc) {
      this.#sendOn(pc, buf, name);
      return;
    }
    let queue = this.#pending.get(key);
    if (!queue) this.#pending.set(key, (queue = { since: this.#clock.now(), packets: [] }));
    if (queue.packets.length >= this.#config.packetQueueSize) {
      this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'queue-full' });
      return;
    }
    queue.packets.push(Uint8Array.from(buf)); // memberlist may reuse its buffer once writeTo returns
    this.#metrics.incrCounter('memberlist.quic.packet.queued');
    this.#connection(key, name).catch((error: unknown) => {
      if (this.#pool.current(key) || this.#pool.dialing(key)) return;
      const dropped = this.#pending.get(key);
      this.#pending.delete(key);
      if (dropped) this.#metrics.incrCounter('memberlist.quic.packet.dropped', dropped.packets.length, { reason: 'dial-failed' });
      this.#logger.debug({ err: error, peer: key }, 'memberlist-quic: dial failed; queued packets dropped');
    });
  }

  #flushPending(pc: PooledConnection): void {
    const queue = this.#pending.get(pc.key);
    if (!queue) return;
    this.#pending.delete(pc.key);
    this.#queueWaited(queue.since);
    for (const buf of queue.packets) this.#sendOn(pc, buf, '');
  }

  /**
   * Our dial to `key` verified the server and holds 1-RTT keys: the packets
   * queued behind it leave now as datagrams, with our Finished, instead of a
   * round trip later when the server's verdict on us arrives (they were the
   * gossip's first messages to that peer). Those that need the stream fallback
   * stay queued for the pooled connection.
   */
  #flushEarly(key: string, conn: QuicConnection): void {
    const queue = this.#pending.get(key);
    if (!queue) return;
    const rest = queue.packets.filter((buf) => conn.sendDatagram(buf) !== 'sent');
    const sent = queue.packets.length - rest.length;
    if (sent > 0) {
      this.#metrics.incrCounter('memberlist.quic.packet.sent', sent, { path: 'datagram' });
      this.#metrics.incrCounter('memberlist.quic.packet.early', sent);
    }
    queue.packets = rest;
    if (rest.length > 0) return;
    this.#pending.delete(key);
    this.#queueWaited(queue.since);
  }

  /** How long the oldest packet queued behind a dial waited. */
  #queueWaited(since: number): void {
    this.#metrics.addTiming('memberlist.quic.packet.queue_wait', this.#clock.now() - since);
  }

  #sendOn(pc: PooledConnection, buf: Uint8Array, name: string): void {
    const path = pathAfterDatagram(pc.conn.sendDatagram(buf));
    switch (path) {
      case 'datagram':
        this.#metrics.incrCounter('memberlist.quic.packet.sent', 1, { path });
        return;
      case 'stream':
        void this.#sendPacketStream(pc, encodePacketFrame(buf));
        return;
      case 'drop':
        this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'datagram-queue-full' });
        return;
      case 'redial':
        if (!this.#shutdown) this.#sendPacket(buf, pc.key, name);
        return;
    }
  }

  async #sendPacketStream(pc: PooledConnection, frame: Uint8Array): Promise<void> {
    try {
      const stream = await pc.conn.openUni();
      this.#track(pc, stream);
      await stream.end(frame);
      this.#metrics.incrCounter('memberlist.quic.packet.sent', 1, { path: 'stream' });
    } catch (error) {
      this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'stream-error' });
      this.#logger.debug({ err: error, peer: pc.key }, 'memberlist-quic: packet stream failed');
    }
  }

  async #openMemberlistStream(addr: string, name: string, timeoutMs: number): Promise<QuicStreamConn> {
    const key = this.#key(addr);
    const pc = await this.#withTimeout(this.#connection(key, name), timeoutMs, key);
    let stream: QuicStream;
    try {
      stream = await this.#withTimeout(pc.conn.openBidi(), timeoutMs, key);
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw new TransportError(`cannot open a stream to ${key}: ${(error as Error).message}`, true, { cause: error });
    }
    this.#track(pc, stream);
    this.#metrics.incrCounter('memberlist.quic.stream.opened', 1, { kind: 'memberlist' });
    const conn = new QuicStreamConn(stream, key, { finWait: this.#finWait, ...(hasKindByte(pc.conn.alpn) ? { prefix: Uint8Array.of(StreamKind.memberlist) } : {}) });
    return this.#trackConn(conn);
  }

  /** The pooled connection to `key` that may carry traffic for node `name`, dialling if needed. */
  async #connection(key: string, name: string): Promise<PooledConnection> {
    const ready = this.#usable(key, name);
    if (ready) return ready;
    if (this.#config.requireNodeName && name !== '' && !this.#pool.dialing(key)) this.#expectedNames.set(key, name);
    await this.#pool.getOrDial(key);
    // Re-check: the tie-break may have picked another connection, and it must pass the name check too.
    const checked = this.#usable(key, name);
    if (!checked) throw new TransportError(`no usable connection to ${key}${name ? ` (${name})` : ''}`, true);
    return checked;
  }

  /** The connection in use to `key`, once its certificate passes the node-name check for `name`. */
  #usable(key: string, name: string): PooledConnection | undefined {
    const pc = this.#pool.current(key);
    if (!pc || !this.#config.requireNodeName || name === '' || pc.peerName === name) return pc;
    const detail = `the peer's certificate names ${JSON.stringify(pc.peerName)}, not the node ${JSON.stringify(name)}`;
    this.#metrics.incrCounter('memberlist.quic.handshake.refused', 1, { reason: 'wrong-name' });
    this.#logger.warn({ peer: key, reason: 'wrong-name', detail }, 'memberlist-quic: closing a connection whose certificate names another node');
    this.#pool.closeNow(pc, CloseCode.wrongName, `wrong-name: ${detail}`);
    return undefined;
  }

  #dial(key: string): Promise<QuicConnection> {
    const target = splitHostPort(key)!;
    this.#metrics.incrCounter('memberlist.quic.dial');
    const dialling = this.#engine.dial(target, {
      alpn: this.#config.shoalAlpn ? ALPN_PREFERENCE : [ALPN_MEMBERLIST],
      timeoutMs: this.#config.dialTimeoutMs,
      onServerVerified: (conn) => this.#flushEarly(key, conn),
    });
    const clear = (): void => void this.#expectedNames.delete(key);
    dialling.then(clear, clear);
    return dialling;
  }

  #withTimeout<T>(promise: Promise<T>, timeoutMs: number, key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.after(timeoutMs, () => reject(new TransportError(`timed out after ${timeoutMs} ms reaching ${key}`, true)));
      promise.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error instanceof TransportError ? error : new TransportError(`failed to reach ${key}: ${(error as Error).message}`, true, { cause: error }));
        },
      );
    });
  }

  // ---- receiving ----

  async #accept(): Promise<void> {
    for await (const conn of this.#engine.incoming) {
      this.#metrics.incrCounter('memberlist.quic.conn.accepted');
      this.#pool.add(conn);
    }
  }

  #onHandshakeError(error: Error): void {
    const by = error instanceof QuicHandshakeError ? error.by : 'unknown';
    this.#metrics.incrCounter('memberlist.quic.handshake.failed', 1, { by });
    this.#logger.warn({ err: error, by, reason: error instanceof QuicHandshakeError ? error.reason : error.message }, 'memberlist-quic: handshake failed');
  }

  #serve(pc: PooledConnection): void {
    pc.conn.onDatagram((buf) => this.#deliver(buf, pc.key, 'datagram'));
    void this.#acceptStreams(pc);
  }

  async #acceptStreams(pc: PooledConnection): Promise<void> {
    for await (const stream of pc.conn.incomingStreams) {
      this.#track(pc, stream);
      if (!stream.bidi) void this.#readPacketStream(pc, stream);
      else void this.#acceptBidi(pc, stream);
    }
  }

  #deliver(buf: Uint8Array, from: string, path: 'datagram' | 'stream'): void {
    const handler = this.#handler;
    if (this.#shutdown || !handler) {
      this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'not-listening' });
      return;
    }
    this.#metrics.incrCounter('memberlist.quic.packet.received', 1, { path });
    try {
      handler.packet({ buf, from, timestampMs: this.#clock.now() });
    } catch (error) {
      this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'handler' });
      this.#logger.error({ err: error, from }, 'memberlist-quic: packet handler failed');
    }
  }

  /** After close(), a memberlist stream waits this long for the peer's FIN (as for a header), then stops reading. */
  get #finWait(): FinWait {
    return { clock: this.#clock, ms: this.#config.streamHeaderTimeoutMs };
  }

  /** Resets `stream` and counts it when the header timeout passes first (cancel the timer once the header is in). */
  #headerDeadline(stream: QuicStream, onTimeout?: () => void): Timer {
    return this.#clock.after(this.#config.streamHeaderTimeoutMs, () => {
      onTimeout?.();
      this.#refuse(stream, 'header-timeout');
    });
  }

  async #readPacketStream(pc: PooledConnection, stream: QuicStream): Promise<void> {
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
        this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: `frame-${progress.reason}` });
        this.#logger.debug({ peer: pc.key, detail: progress.detail }, 'memberlist-quic: bad packet frame');
        return;
      }
      this.#deliver(progress.payload, pc.key, 'stream');
      // The packet is in; a stream that fails after it (a reset, the connection closing) lost nothing.
      if (!finished) await drainToFin(stream).catch(() => undefined);
    } catch (error) {
      deadline.cancel();
      if (timedOut) return;
      this.#metrics.incrCounter('memberlist.quic.packet.dropped', 1, { reason: 'stream-error' });
      this.#logger.debug({ err: error, peer: pc.key }, 'memberlist-quic: packet stream failed');
    }
  }

  async #acceptBidi(pc: PooledConnection, stream: QuicStream): Promise<void> {
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
      const handler = this.#appHandler;
      if (!handler || this.#shutdown) return this.#refuse(stream, 'app-no-handler');
      this.#metrics.incrCounter('memberlist.quic.stream.accepted', 1, { kind });
      try {
        handler(withLeftover(stream, leftover ?? new Uint8Array(0)), { from: pc.key, peerName: pc.peerName });
      } catch (error) {
        this.#logger.error({ err: error, from: pc.key }, 'memberlist-quic: application stream handler failed');
        stream.reset(1);
      }
      return;
    }
    if (kind === undefined) return this.#refuse(stream, 'unknown-kind');
    const handler = this.#handler;
    if (!handler || this.#shutdown) return this.#refuse(stream, 'not-listening');
    this.#metrics.incrCounter('memberlist.quic.stream.accepted', 1, { kind });
    const conn = this.#trackConn(new QuicStreamConn(stream, pc.key, { finWait: this.#finWait, ...(leftover ? { leftover } : {}) }));
    try {
      handler.stream(conn);
    } catch (error) {
      this.#metrics.incrCounter('memberlist.quic.stream.dropped', 1, { reason: 'handler' });
      this.#logger.error({ err: error, from: pc.key }, 'memberlist-quic: stream handler failed');
      conn.close();
    }
  }

  #refuse(stream: QuicStream, reason: string): void {
    this.#metrics.incrCounter('memberlist.quic.stream.dropped', 1, { reason });
    stream.reset(1);
    stream.stopReading(1);
  }

  /** Counts `stream` on its connection until it finishes (a draining connection closes when none are left). */
  #track(pc: PooledConnection, stream: QuicStream): void {
    this.#pool.streamOpened(pc);
    void stream.done.then(
      () => this.#pool.streamFinished(pc),
      () => this.#pool.streamFinished(pc),
    );
  }

  #trackConn(conn: QuicStreamConn): QuicStreamConn {
    this.#open.add(conn);
    const forget = (): void => void this.#open.delete(conn);
    conn.done.then(forget, forget);
    return conn;
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
