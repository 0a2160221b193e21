// The streams of one connection: stream ids on both sides, peer streams
// waiting in the accept backlog, opens waiting for stream credit, and writes
// waiting for flow-control credit.
import { AsyncQueue, Deferred } from '@shoal/kit';
import { QuicheStream, type StreamHost } from './quiche-stream.js';
import type { QuicStream } from './types.js';

const EMPTY = new Uint8Array(0);
/** Up to this many open streams, readable ones are found by probing each (see #readAll); beyond, the iterator is cheaper. */
const PROBE_STREAMS_MAX = 64;
/** Bound of a connection's set of skipped peer stream ids (both directions). */
const MAX_SKIPPED_PEER_IDS = 1024;

export class StreamTable {
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

  constructor(
    /** The connection: each stream's host. */
    readonly host: StreamHost,
    readonly role: 'client' | 'server',
    backlog: number,
    /** The connection is open and not released: peer streams may be accepted. */
    readonly canAccept: () => boolean,
  ) {
    const s = role === 'client' ? 0 : 1;
    this.#nextLocalBidi = s;
    this.#nextLocalUni = s + 2;
    this.#nextPeerBidi = 1 - s;
    this.#nextPeerUni = 3 - s;
    this.#incoming = new AsyncQueue<QuicStream>(backlog);
  }

  get incoming(): AsyncIterable<QuicStream> {
    return { [Symbol.asyncIterator]: () => this.#take() };
  }

  async *#take(): AsyncGenerator<QuicStream, void, undefined> {
    for await (const s of this.#incoming) {
      // A stream left the backlog: accept the ones waiting in quiche.
      if (this.#acceptDeferred) queueMicrotask(this.#resumeAccept);
      yield s;
    }
  }

  readonly #resumeAccept = (): void => {
    if (!this.#acceptDeferred || !this.canAccept()) return;
    this.#acceptDeferred = false;
    this.#readAll();
    this.host.scheduleFlush();
  };

  /** After a batch of packets on an open connection: read what came, resume blocked writes, serve waiting opens. */
  onReceived(): void {
    this.#readAll();
    if (this.#blocked.size > 0) {
      for (const s of this.#blocked) if (!s.resumeWrites()) this.#blocked.delete(s);
    }
    if (this.#openWaiters.length > 0) this.#serveOpenWaiters();
  }

  /**
   * Reads every stream the last packets made readable. quiche's readable()
   * iterator costs ~37 µs a call through this binding (a napi generator), a
   * streamReadable(id) probe ~0.2 µs: so the streams we hold are probed one by
   * one, then the ids the peer would open next, and the iterator runs only
   * when something else is still readable (a stream opened out of order, a
   * reset, a stream paused above its read high-water mark, or one we no
   * longer hold).
   */
  #readAll(): void {
    const conn = this.host.conn;
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
      if (!this.host.conn.streamReadable(id)) return;
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
      s = new QuicheStream(this.host, id, false);
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
      while (this.host.conn.streamRecv(id, this.host.scratch) !== null) {
        /* drop */
      }
    } catch {
      /* reset */
    }
  }

  /** Opens a local stream now, or once the peer grants stream credit. */
  open(uni: boolean): Promise<QuicStream> {
    const closed = this.host.closedError();
    if (closed !== null) return Promise.reject(closed);
    const s = this.#tryOpen(uni);
    if (s !== null) return Promise.resolve(s);
    const done = new Deferred<QuicStream>();
    this.#openWaiters.push({ uni, done });
    return done.promise;
  }

  /** Creates the stream in quiche now (a zero-length send) so stream credit is accounted at once. */
  #tryOpen(uni: boolean): QuicheStream | null {
    const conn = this.host.conn;
    if ((uni ? conn.peerStreamsLeftUni() : conn.peerStreamsLeftBidi()) <= 0) return null;
    const id = uni ? this.#nextLocalUni : this.#nextLocalBidi;
    try {
      conn.streamSend(id, EMPTY, false);
    } catch {
      return null;
    }
    if (uni) this.#nextLocalUni += 4;
    else this.#nextLocalBidi += 4;
    const s = new QuicheStream(this.host, id, true);
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

  /** The connection closed: every stream and waiting open fails with `err`. */
  abortAll(err: Error): void {
    for (const s of this.#streams.values()) s.abort(err);
    this.#streams.clear();
    this.#blocked.clear();
    for (const w of this.#openWaiters.splice(0)) w.done.reject(err);
    this.#incoming.close();
  }
}
