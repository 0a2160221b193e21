// The lean QUIC engine: one node:dgram socket, a connection-ID routing map,
// and QuicheConnection per peer over @matrixai/quic's native quiche binding.
// Real I/O (the socket, random connection IDs); all timing goes through the
// injected Clock.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { AsyncQueue, Deferred, silentLogger, type Clock, type Logger, type Metrics } from '@shoal/kit';
import { QuicEngineClosedError, QuicHandshakeError } from './errors.js';
import { buildNativeConfig, quiche, type NativeConfig, type NativeConfigOptions } from './native.js';
import { ConnectionIdSource } from './connection-ids.js';
import { type CountedStat, newStats } from './engine-stats.js';
import { InboundHandshakes } from './inbound-handshakes.js';
import { PACKET_INITIAL, readRoute } from './packet-header.js';
import { answerVersionNegotiation } from './version-negotiation.js';
import type { ConnectionHost } from './connection-host.js';
import { QuicheConnection } from './quiche-connection.js';
import type { DialOptions, HostPort, QuicConnection, QuicEngine, QuicEngineOptions, QuicEngineStats, VerifyPeer } from './types.js';

/** Length of the connection IDs we issue; short-header packets are routed by it. */
export const CID_LEN = 16;

/** Binds the socket and returns a ready engine. */
export async function createQuicheEngine(options: QuicEngineOptions): Promise<QuicEngine> {
  const engine = new QuicheEngine(options);
  await engine.bind();
  return engine;
}

interface PendingDial {
  done: Deferred<QuicConnection>;
  timer: { cancel(): void };
}

class QuicheEngine implements QuicEngine, ConnectionHost {
  readonly clock: Clock;
  readonly counters: QuicEngineStats = newStats();
  /** One streamRecv buffer for every connection: JS is single-threaded and each read copies out of it. */
  readonly scratch = new Uint8Array(64 * 1024);
  readonly verifyPeer: VerifyPeer;
  readonly keepAliveMs: number;
  readonly streamBacklog: number;
  readonly datagramBacklog: number;
  readonly maxUdpPayload: number;
  readonly #logger: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #maxConnections: number;
  readonly #options: QuicEngineOptions;
  readonly #baseConfig: Omit<NativeConfigOptions, 'alpn'>;
  readonly #serverConfig: NativeConfig;
  readonly #clientConfigs = new Map<string, NativeConfig>();
  readonly #routes = new Map<string, QuicheConnection>();
  readonly #connections = new Set<QuicheConnection>();
  readonly #pendingDials = new Map<QuicheConnection, PendingDial>();
  readonly #handshakeTimers = new Map<QuicheConnection, { cancel(): void }>();
  readonly #inbound = new InboundHandshakes();
  readonly #incoming: AsyncQueue<QuicConnection>;
  /** Connections that received packets in this event-loop turn, processed together (see processLater). */
  #received: QuicheConnection[] = [];
  /** The batch processReceived() just handled, for the flush that follows it. */
  #processed: QuicheConnection[] = [];
  #pendingInbound = 0;
  #keepAliveTimer: { cancel(): void } | undefined;
  #handshakeErrorHandler: ((e: Error) => void) | undefined;
  #socket: Socket;
  #local: HostPort = { host: '', port: 0 };
  #closed = false;

  constructor(o: QuicEngineOptions) {
    this.#options = o;
    this.clock = o.clock;
    this.#logger = o.logger ?? silentLogger;
    this.#metrics = o.metrics;
    this.#maxConnections = o.maxConnections ?? 4096;
    this.verifyPeer = o.tls.verifyPeer;
    // A connection that heard from its peer skips one PING (quiche-connection.ts), so two
    // periods must fit in the idle timeout with room to spare: at most a third of it.
    const keepAliveMs = o.keepAliveMs ?? 10_000;
    this.keepAliveMs = keepAliveMs > 0 ? Math.min(keepAliveMs, Math.floor((o.idleTimeoutMs ?? 30_000) / 3)) : 0;
    this.streamBacklog = o.streamBacklog ?? 64;
    this.datagramBacklog = o.datagramBacklog ?? 256;
    this.maxUdpPayload = o.maxUdpPayload ?? 1452;
    this.#incoming = new AsyncQueue<QuicConnection>(o.acceptBacklog ?? 256);
    this.#baseConfig = {
      cert: o.tls.cert, key: o.tls.key,
      idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
      maxUdpPayload: this.maxUdpPayload,
      datagrams: o.datagrams ?? true,
      maxStreamsBidi: o.maxStreamsBidi ?? 100,
      maxStreamsUni: o.maxStreamsUni ?? 100,
      streamWindow: o.streamWindow ?? 1024 * 1024,
      connectionWindow: o.connectionWindow ?? 10 * 1024 * 1024,
    };
    this.#serverConfig = buildNativeConfig({ ...this.#baseConfig, alpn: o.alpn });
    // Dials offering the ALPNs we accept (the transport's always do) share it: the
    // same settings, and building a config (a BoringSSL context, parsing the key
    // and certificate) cost each node ~0.3 ms in the middle of its first join.
    this.#clientConfigs.set(o.alpn.join('\u0000'), this.#serverConfig);
    const ip6 = isIPv6(o.host);
    this.#socket = createSocket({
      type: ip6 ? 'udp6' : 'udp4',
      // Addresses are IP literals: resolve synchronously (dns.lookup would cost a tick per packet).
      lookup: (address: string, _opts: unknown, cb: (err: Error | null, address: string, family: number) => void) =>
        cb(null, address, ip6 ? 6 : 4),
    } as Parameters<typeof createSocket>[0]);
    this.#socket.on('message', this.#onMessage);
    this.#socket.on('error', (err) => {
      this.count('socketErrors');
      this.#logger.warn({ err: err.message }, 'quic: socket error');
    });
  }

  bind(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(this.#options.port, this.#options.host, () => {
        this.#socket.off('error', reject);
        const a = this.#socket.address();
        this.#local = { host: a.address, port: a.port };
        this.#growSocketBuffers();
        resolve();
      });
    });
  }

  get local(): HostPort {
    return this.#local;
  }

  /**
   * Larger kernel socket buffers, best effort (Linux caps them at
   * net.core.rmem_max / wmem_max): with the default ~208 KiB a burst of a
   * congestion window overflows the receive buffer while JS is busy, and
   * every lost packet halves the window. quic-go asks for 7 MiB likewise.
   */
  #growSocketBuffers(): void {
    const want = this.#options.socketBufferBytes ?? 7 * 1024 * 1024;
    if (want <= 0) return;
    try {
      if (this.#socket.getRecvBufferSize() < want) this.#socket.setRecvBufferSize(want);
      if (this.#socket.getSendBufferSize() < want) this.#socket.setSendBufferSize(want);
    } catch (e) {
      this.#logger.debug({ err: (e as Error).message }, 'quic: could not grow the socket buffers');
    }
  }

  get incoming(): AsyncIterable<QuicConnection> {
    return this.#incoming;
  }

  onHandshakeError(handler: ((error: Error) => void) | undefined): void {
    this.#handshakeErrorHandler = handler;
  }

  stats(): Readonly<QuicEngineStats> {
    this.counters.connections = this.#connections.size;
    this.counters.pendingHandshakes = this.#pendingInbound;
    return this.counters;
  }

  count(stat: CountedStat): void {
    this.counters[stat]++;
    this.#metrics?.incrCounter(`memberlist.quic.engine.${stat}`);
  }

  // ---- ConnectionHost ----

  sendPacket(buf: Uint8Array, len: number, to: HostPort): void {
    this.counters.packetsOut++;
    this.#socket.send(buf, 0, len, to.port, to.host);
  }

  established(conn: QuicheConnection): void {
    this.#startKeepAlive();
    const hs = this.#handshakeTimers.get(conn);
    if (hs !== undefined) {
      hs.cancel();
      this.#handshakeTimers.delete(conn);
    }
    const dial = this.#pendingDials.get(conn);
    if (dial !== undefined) {
      this.#pendingDials.delete(conn);
      dial.timer.cancel();
      this.count('connectionsDialled');
      dial.done.resolve(conn);
      return;
    }
    this.#pendingInbound--;
    if (!this.#incoming.tryPush(conn)) {
      this.count('connectionsRefusedBacklog');
      this.#inbound.settle(conn, undefined);
      conn.close(0x2, 'accept backlog full');
      return;
    }
    this.count('connectionsAccepted');
    this.#inbound.settle(conn, conn);
  }

  /**
   * One keep-alive timer for every connection of the engine, rather than one
   * each: with a timer per connection, a node of a 20-node cluster woke
   * twice a second for keep-alives alone, and a wake-up from idle costs more
   * CPU here than the check. Runs while connections exist.
   */
  #startKeepAlive(): void {
    if (this.keepAliveMs <= 0 || this.#keepAliveTimer !== undefined || this.#closed) return;
    this.#keepAliveTimer = this.clock.every(this.keepAliveMs, () => {
      if (this.#connections.size === 0) {
        this.#keepAliveTimer?.cancel();
        this.#keepAliveTimer = undefined;
        return;
      }
      for (const conn of this.#connections) conn.keepAliveTick();
    });
  }

  handshakeFailed(conn: QuicheConnection, error: QuicHandshakeError): void {
    const hs = this.#handshakeTimers.get(conn);
    if (hs !== undefined) {
      hs.cancel();
      this.#handshakeTimers.delete(conn);
      this.#pendingInbound--;
    }
    this.#inbound.settle(conn, undefined);
    const dial = this.#pendingDials.get(conn);
    if (dial !== undefined) {
      this.#pendingDials.delete(conn);
      dial.timer.cancel();
      dial.done.reject(error);
    }
    this.#logger.warn({ remote: error.remote, by: error.by, code: error.transportCode, reason: error.reason }, 'quic: handshake failed');
    try {
      this.#handshakeErrorHandler?.(error);
    } catch {
      /* the handler's own problem */
    }
  }

  processLater(conn: QuicheConnection): void {
    this.#received.push(conn);
    if (this.#received.length === 1) {
      // Both queued from the poll phase, so both run in this loop turn's check
      // phase, and Node runs promise jobs between two immediates: the flush
      // comes after the application's reactions to what was delivered, and an
      // ACK rides on the answer, without waiting a whole loop turn.
      setImmediate(this.#processReceived);
      setImmediate(this.#flushProcessed);
    }
  }

  readonly #processReceived = (): void => {
    const batch = this.#received;
    this.#received = [];
    this.#processed = batch;
    for (const conn of batch) conn.processReceived();
  };

  readonly #flushProcessed = (): void => {
    const batch = this.#processed;
    this.#processed = [];
    for (const conn of batch) conn.flushAfterBatch();
  };

  released(conn: QuicheConnection): void {
    for (const k of conn.routeKeys) if (this.#routes.get(k) === conn) this.#routes.delete(k);
    this.#connections.delete(conn);
  }

  // ---- the socket ----

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    this.counters.packetsIn++;
    const route = readRoute(msg, CID_LEN);
    if (route === null) {
      this.count('droppedGarbage');
      return;
    }
    const conn = this.#routes.get(route.dcidKey);
    if (conn !== undefined) {
      conn.onPacket(msg, { host: rinfo.address, port: rinfo.port });
      return;
    }
    if (!route.long) {
      this.count('droppedUnknownCid');
      return;
    }
    this.#accept(msg, rinfo, route.version, route.type, route.dcidKey);
  };

  #accept(msg: Buffer, rinfo: RemoteInfo, version: number, type: number, dcidKey: string): void {
    if (this.#closed) return;
    if (!quiche.versionIsSupported(version)) {
      const answered = answerVersionNegotiation(msg, version, (out, n) => this.#socket.send(out, 0, n, rinfo.port, rinfo.address));
      this.count(answered ? 'droppedUnsupportedVersion' : 'droppedGarbage');
      return;
    }
    // Only a client Initial, padded to 1200 bytes (RFC 9000 §14.1), may open a connection.
    if (type !== PACKET_INITIAL || msg.length < 1200) {
      this.count('droppedUnknownCid');
      return;
    }
    if (this.#pendingInbound >= (this.#options.maxPendingHandshakes ?? 256)) {
      this.count('droppedHandshakeLimit');
      return;
    }
    if (this.#connections.size >= this.#maxConnections) {
      this.count('droppedConnectionLimit');
      return;
    }
    // A header quiche cannot parse is garbage (the cheap check first: random bytes that pass it
    // may still make quiche report a local error below, which would cost a connection).
    try {
      quiche.Header.fromSlice(msg, quiche.MAX_CONN_ID_LEN);
    } catch {
      this.count('droppedGarbage');
      return;
    }
    const scid = connectionIds.next();
    const remote = { host: rinfo.address, port: rinfo.port };
    let native;
    try {
      native = quiche.Connection.accept(scid, null, this.#local, remote, this.#serverConfig);
    } catch (e) {
      this.count('droppedGarbage');
      this.#logger.debug({ err: (e as Error).message }, 'quic: accept failed');
      return;
    }
    // Only a packet quiche could decrypt as a client Initial makes a connection: garbage, or a
    // server's Initial retransmitted to a dial we already dropped, is discarded here.
    try {
      native.recv(msg, { from: remote, to: this.#local });
    } catch {
      /* judged below */
    }
    if (native.stats().recv === 0 && native.localError() == null) {
      this.count('droppedGarbage');
      return;
    }
    const conn = new QuicheConnection(this, native, 'server', this.#local, remote);
    this.#route(conn, cidKey(scid));
    this.#route(conn, dcidKey);
    this.#pendingInbound++;
    this.#inbound.started(conn);
    this.#handshakeTimers.set(conn, this.clock.after(this.#options.handshakeTimeoutMs ?? 10_000, () => {
      this.#handshakeTimers.delete(conn);
      this.#pendingInbound--;
      conn.handshakeTimeout();
    }));
    conn.afterFirstPacket();
  }

  #route(conn: QuicheConnection, key: string): void {
    this.#routes.set(key, conn);
    conn.routeKeys.push(key);
    this.#connections.add(conn);
  }

  // ---- QuicEngine ----

  dial(remote: HostPort, options: DialOptions): Promise<QuicConnection> {
    if (this.#closed) return Promise.reject(new QuicEngineClosedError());
    if (this.#connections.size >= this.#maxConnections) {
      return Promise.reject(new QuicHandshakeError('local', 0, `connection limit reached (maxConnections ${this.#maxConnections})`, `${remote.host}:${remote.port}`));
    }
    const key = options.alpn.join('\u0000');
    let config = this.#clientConfigs.get(key);
    if (config === undefined) {
      config = buildNativeConfig({ ...this.#baseConfig, alpn: options.alpn });
      this.#clientConfigs.set(key, config);
    }
    const scid = connectionIds.next();
    const to = { host: remote.host, port: remote.port };
    const native = quiche.Connection.connect(options.serverName ?? null, scid, this.#local, to, config);
    const conn = new QuicheConnection(this, native, 'client', this.#local, to);
    conn.onServerVerified = options.onServerVerified;
    this.#route(conn, cidKey(scid));
    const done = new Deferred<QuicConnection>();
    const timer = this.clock.after(options.timeoutMs, () => {
      if (!this.#pendingDials.has(conn)) return;
      conn.handshakeTimeout();
    });
    this.#pendingDials.set(conn, { done, timer });
    conn.start();
    return done.promise;
  }

  inboundHandshake(remote: HostPort): Promise<QuicConnection | undefined> | undefined {
    return this.#inbound.outcome(remote);
  }

  async close(code = 0, reason = 'engine shutdown'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#keepAliveTimer?.cancel();
    this.#keepAliveTimer = undefined;
    this.#inbound.clear();
    for (const conn of [...this.#connections]) conn.close(code, reason);
    for (const conn of [...this.#connections]) conn.release();
    for (const t of this.#handshakeTimers.values()) t.cancel();
    this.#handshakeTimers.clear();
    this.#incoming.close();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

/** Source connection IDs of every engine in the process. */
const connectionIds = new ConnectionIdSource(CID_LEN);

function cidKey(cid: Uint8Array): string {
  let s = '';
  for (let i = 0; i < cid.length; i++) s += String.fromCharCode(cid[i]!);
  return s;
}
