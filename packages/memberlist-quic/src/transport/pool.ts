/**
 * The connection pool: one entry per peer address ("host:port", the peer's
 * listening socket), holding the connection in use (`current`) and any others
 * to the same peer (tie-break losers and retired connections draining, or a Go
 * peer's duplicate on standby). Dials are de-duplicated per peer. Decisions
 * are the pure functions of tie-break.ts and eviction.ts; this file keeps the
 * state and the timers (on the injected Clock).
 */
import type { Clock, Logger, Metrics, Timer } from '@shoal/kit';
import { joinHostPort } from '@shoal/memberlist';
import type { QuicConnection } from '../engine/types.js';
import { evictionVerdict, type EvictionPolicy } from './eviction.js';
import { appliesTieBreak, diallerOf, keepConnection, type Dialler } from './tie-break.js';
import { commonNameOfDer } from '../tls/common-name.js';

/** Application close codes we send. */
export const CloseCode = { normal: 0, duplicate: 1, wrongName: 2, shutdown: 3 } as const;

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

export class PooledConnection {
  readonly key: string;
  /** CN of the peer's certificate ('' when it has none). */
  readonly peerName: string;
  readonly createdAt: number;
  drainingSince: number | undefined;
  /** A Go peer's duplicate: not used by us, not closed (Go's rule). */
  standby = false;
  openStreams = 0;
  drainTimers: Timer[] = [];

  constructor(readonly conn: QuicConnection, now: number) {
    this.key = joinHostPort(conn.remote.host, conn.remote.port);
    const leaf = conn.peerCertificates[0];
    this.peerName = leaf === undefined ? '' : (commonNameOfDer(leaf) ?? '');
    this.createdAt = now;
  }

  get usable(): boolean {
    return !this.conn.isClosed && this.drainingSince === undefined && !this.standby;
  }

  info(): QuicConnectionInfo {
    const state = this.standby ? 'standby' : this.drainingSince !== undefined ? 'draining' : 'current';
    return { peer: this.key, peerName: this.peerName, role: this.conn.role, alpn: this.conn.alpn, state, openStreams: this.openStreams };
  }
}

interface PoolEntry {
  current: PooledConnection | undefined;
  readonly all: Set<PooledConnection>;
  dialing: Promise<PooledConnection> | undefined;
}

export interface PoolHost {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly policy: EvictionPolicy;
  /** This node as a dialler: its certificate CN and advertised address. */
  self(): Dialler;
  /** Dials `key` (handshake included); rejects on failure or timeout. */
  dial(key: string): Promise<QuicConnection>;
  /** When `key` is dialling us right now: its connection once up (undefined if that handshake fails); else undefined. */
  inbound(key: string): Promise<QuicConnection | undefined> | undefined;
  /** A connection joined the pool: serve its datagrams and streams. */
  serve(pc: PooledConnection): void;
  /** `key` has a usable connection now (flush packets queued behind a dial). */
  ready(pc: PooledConnection): void;
}

export class ConnectionPool {
  readonly #host: PoolHost;
  readonly #entries = new Map<string, PoolEntry>();
  #sweepTimer: Timer | undefined;
  #closed = false;

  constructor(host: PoolHost, sweepIntervalMs: number) {
    this.#host = host;
    if (sweepIntervalMs > 0) this.#sweepTimer = host.clock.every(sweepIntervalMs, () => this.sweep());
  }

  /** The connection in use to `key`, if any. */
  current(key: string): PooledConnection | undefined {
    const pc = this.#entries.get(key)?.current;
    return pc?.usable ? pc : undefined;
  }

  /** True while a dial to `key` is under way. */
  dialing(key: string): boolean {
    return this.#entries.get(key)?.dialing !== undefined;
  }

  /** Every live connection (for stats and tests). */
  connections(): PooledConnection[] {
    return [...this.#entries.values()].flatMap((e) => [...e.all]);
  }

  /**
   * The connection in use to `key`, dialling one if there is none (one dial
   * at a time per peer). When the peer is dialling us at that moment, its
   * connection is awaited instead: two nodes that learn of each other at once
   * (a burst join) would otherwise each complete a handshake, and the
   * tie-break would close one of the two.
   */
  getOrDial(key: string): Promise<PooledConnection> {
    const current = this.current(key);
    if (current) return Promise.resolve(current);
    const entry = this.#entry(key);
    if (entry.dialing) return entry.dialing;
    const started = this.#host.clock.now();
    const inbound = this.#host.inbound(key);
    const connecting =
      inbound === undefined
        ? this.#host.dial(key)
        : inbound.then((conn) => {
            if (conn === undefined) return this.#host.dial(key);
            this.#host.metrics.incrCounter('memberlist.quic.dial.avoided');
            return conn;
          });
    const dialing = connecting.then(
      (conn) => {
        this.#host.metrics.addTiming('memberlist.quic.dial', this.#host.clock.now() - started);
        const pc = this.add(conn);
        return this.current(key) ?? pc;
      },
      (error: unknown) => {
        this.#host.metrics.incrCounter('memberlist.quic.dial.failed');
        throw error;
      },
    );
    entry.dialing = dialing;
    const clear = (): void => {
      if (entry.dialing === dialing) entry.dialing = undefined;
    };
    dialing.then(clear, clear);
    return dialing;
  }

  /** Adds a connection that just came up (dialled or accepted) and applies the tie-break; adding one already pooled returns it. */
  add(conn: QuicConnection): PooledConnection {
    const host = this.#host;
    for (const known of this.#entries.get(joinHostPort(conn.remote.host, conn.remote.port))?.all ?? []) if (known.conn === conn) return known;
    const pc = new PooledConnection(conn, host.clock.now());
    if (this.#closed) {
      conn.close(CloseCode.shutdown, 'transport shutdown');
      return pc;
    }
    const entry = this.#entry(pc.key);
    entry.all.add(pc);
    void conn.closed.then((info) => this.#forget(pc, info.reason || info.initiator));
    host.serve(pc);
    const existing = entry.current?.usable ? entry.current : undefined;
    if (!existing) {
      this.#makeCurrent(entry, pc);
    } else {
      const self = host.self();
      const peer = (c: PooledConnection): Dialler => ({ name: c.peerName, addr: c.key });
      const keep = keepConnection(
        { alpn: existing.conn.alpn, dialler: diallerOf(existing.conn.role, self, peer(existing)) },
        { alpn: conn.alpn, dialler: diallerOf(conn.role, self, peer(pc)) },
      );
      host.metrics.incrCounter('memberlist.quic.conn.duplicate');
      const [winner, loser] = keep === 'existing' ? [existing, pc] : [pc, existing];
      if (winner === pc) this.#makeCurrent(entry, pc);
      if (appliesTieBreak(winner.conn.alpn, loser.conn.alpn)) {
        this.#drain(loser, 'duplicate connection (tie-break)');
      } else {
        loser.standby = true; // Go's rule: the duplicate stays up, unused
      }
      host.logger.debug({ peer: pc.key, kept: winner.conn.role, dropped: loser.conn.role }, 'memberlist-quic: duplicate connection');
    }
    this.#gauge();
    return pc;
  }

  streamOpened(pc: PooledConnection): void {
    pc.openStreams++;
  }

  streamFinished(pc: PooledConnection): void {
    pc.openStreams--;
    if (pc.drainingSince !== undefined) this.#check(pc);
  }

  /** Stops using `pc` (closed once its streams finish, per eviction.ts). */
  retire(pc: PooledConnection, reason: string): void {
    this.#drain(pc, reason);
  }

  /** Closes `pc` now with an application code. */
  closeNow(pc: PooledConnection, code: number, reason: string): void {
    pc.conn.close(code, reason);
    this.#forget(pc, reason);
  }

  /** Forgets closed connections and retires those past their maximum age (Go's sweep). */
  sweep(): void {
    for (const entry of this.#entries.values()) for (const pc of entry.all) this.#check(pc);
  }

  /** Closes every connection and stops the sweep. */
  close(): void {
    this.#closed = true;
    this.#sweepTimer?.cancel();
    for (const entry of this.#entries.values()) {
      for (const pc of entry.all) {
        for (const t of pc.drainTimers) t.cancel();
        pc.conn.close(CloseCode.shutdown, 'transport shutdown');
      }
    }
    this.#entries.clear();
    this.#gauge();
  }

  #check(pc: PooledConnection): void {
    const verdict = evictionVerdict({ createdAt: pc.createdAt, closed: pc.conn.isClosed, drainingSince: pc.drainingSince, openStreams: pc.openStreams }, this.#host.clock, this.#host.policy);
    switch (verdict) {
      case 'keep':
        return;
      case 'forget':
        this.#forget(pc, 'closed');
        return;
      case 'retire':
        this.#host.metrics.incrCounter('memberlist.quic.conn.evicted', 1, { reason: 'max-age' });
        this.#drain(pc, 'max connection age exceeded');
        return;
      case 'close':
        this.#host.metrics.incrCounter('memberlist.quic.conn.evicted', 1, { reason: 'drained' });
        this.closeNow(pc, pc.standby ? CloseCode.normal : CloseCode.duplicate, 'drained');
        return;
    }
  }

  #drain(pc: PooledConnection, reason: string): void {
    if (pc.drainingSince !== undefined || pc.conn.isClosed) return;
    const host = this.#host;
    pc.drainingSince = host.clock.now();
    host.logger.debug({ peer: pc.key, reason }, 'memberlist-quic: draining connection');
    const entry = this.#entries.get(pc.key);
    if (entry?.current === pc) this.#promote(entry);
    const { drainGraceMs, drainTimeoutMs } = host.policy;
    pc.drainTimers.push(this.#checkAfter(pc, drainGraceMs), this.#checkAfter(pc, drainTimeoutMs));
  }

  /** Checks `pc` once `ms` have passed on the clock (a real timer may fire a hair early: then it checks again). */
  #checkAfter(pc: PooledConnection, ms: number): Timer {
    const due = this.#host.clock.now() + ms;
    return this.#host.clock.after(ms, () => {
      const early = due - this.#host.clock.now();
      if (early > 0 && !pc.conn.isClosed) pc.drainTimers.push(this.#checkAfter(pc, Math.max(1, early)));
      else this.#check(pc);
    });
  }

  #forget(pc: PooledConnection, reason: string): void {
    for (const t of pc.drainTimers) t.cancel();
    pc.drainTimers = [];
    const entry = this.#entries.get(pc.key);
    if (!entry || !entry.all.delete(pc)) return;
    this.#host.logger.debug({ peer: pc.key, reason }, 'memberlist-quic: connection closed');
    if (entry.current === pc) this.#promote(entry);
    if (entry.all.size === 0 && entry.dialing === undefined) this.#entries.delete(pc.key);
    this.#gauge();
  }

  /** After the current connection went away: a standby one (Go's duplicate), if any, takes over. */
  #promote(entry: PoolEntry): void {
    entry.current = undefined;
    for (const pc of entry.all) {
      if (pc.standby && !pc.conn.isClosed) {
        pc.standby = false;
        this.#makeCurrent(entry, pc);
        return;
      }
    }
  }

  #makeCurrent(entry: PoolEntry, pc: PooledConnection): void {
    entry.current = pc;
    this.#host.ready(pc);
  }

  #entry(key: string): PoolEntry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { current: undefined, all: new Set(), dialing: undefined };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #gauge(): void {
    let n = 0;
    for (const e of this.#entries.values()) n += e.all.size;
    this.#host.metrics.setGauge('memberlist.quic.connections', n);
  }
}
