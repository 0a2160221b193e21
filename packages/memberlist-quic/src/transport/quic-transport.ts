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
 * - Pool, tie-break and eviction: pool.ts, tie-break.ts, eviction.ts; packets
 *   behind a dial: dial-queue.ts; what the peer sends: receiver.ts.
 * - Mutual TLS: the engine's verifyPeer hook (peer-verifier.ts) runs
 *   verifyPeerCertificate against the CA on both sides; `requireNodeName` also
 *   checks the CN (config.ts says when).
 */
import { type Clock, type Logger, type Metrics, noopMetrics, realClock, silentLogger } from '@shoal/kit';
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
import type { QuicConnection, QuicEngine, QuicEngineStats, QuicStream } from '../engine/types.js';
import { QuicHandshakeError } from '../engine/errors.js';
import { type QuicTransportConfig, type ResolvedQuicTransportConfig, resolveConfig } from './config.js';
import { DialQueue } from './dial-queue.js';
import { ALPN_MEMBERLIST, ALPN_PREFERENCE, encodePacketFrame, hasKindByte, pathAfterDatagram, StreamKind } from './framing.js';
import { type AppStreamHandler, Receiver } from './receiver.js';
import { loadTlsIdentity, peerVerifier } from './mutual-tls.js';
import { CloseCode, ConnectionPool, PooledConnection, type QuicConnectionInfo } from './pool.js';
import { type FinWait, QuicStreamConn } from './stream-conn.js';

export type { AppStreamHandler, AppStreamInfo } from './receiver.js';
export type { QuicConnectionInfo } from './pool.js';

export class QuicTransport implements NodeAwareTransport {
  readonly #engine: QuicEngine;
  readonly #config: ResolvedQuicTransportConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #pool: ConnectionPool;
  readonly #selfName: string;
  readonly #expectedNames: Map<string, string>;
  readonly #queue: DialQueue;
  readonly #receiver: Receiver;
  /** After close(), a memberlist stream waits this long for the peer's FIN (as for a header), then stops reading. */
  readonly #finWait: FinWait;
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
    this.#queue = new DialQueue(this.#clock, this.#metrics, config.packetQueueSize);
    this.#finWait = { clock: this.#clock, ms: config.streamHeaderTimeoutMs };
    this.#receiver = new Receiver({
      clock: this.#clock,
      metrics: this.#metrics,
      logger: this.#logger,
      streamHeaderTimeoutMs: config.streamHeaderTimeoutMs,
      finWait: this.#finWait,
      memberlist: () => (this.#shutdown ? undefined : this.#handler),
      app: () => (this.#shutdown ? undefined : this.#appHandler),
      track: (pc, stream) => this.#track(pc, stream),
      trackConn: (conn) => this.#trackConn(conn),
    });
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
        serve: (pc) => this.#receiver.serve(pc),
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
    const { ca, selfName } = loadTlsIdentity(resolved.tls, clock);
    const expectedNames = new Map<string, string>();
    const verifyPeer = peerVerifier({ ca, clock, metrics, logger, requireNodeName: resolved.requireNodeName, expectedNames });
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
    return this.#pool.connections().map((pc) => pc.info());
  }

  /** The engine's counters. */
  engineStats(): Readonly<QuicEngineStats> {
    return this.#engine.stats();
  }

  /** Closes every connection and the socket; pending dials and streams fail. */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#queue.dropAll();
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
    if (!this.#queue.push(key, buf)) return;
    this.#connection(key, name).catch((error: unknown) => {
      if (this.#pool.current(key) || this.#pool.dialing(key)) return;
      this.#queue.drop(key, 'dial-failed');
      this.#logger.debug({ err: error, peer: key }, 'memberlist-quic: dial failed; queued packets dropped');
    });
  }

  #flushPending(pc: PooledConnection): void {
    for (const buf of this.#queue.take(pc.key)) this.#sendOn(pc, buf, '');
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
      onServerVerified: (conn) => this.#queue.sendEarly(key, conn),
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

