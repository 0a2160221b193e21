/**
 * One end of a simulated TCP-like connection: reliable and in order while
 * connected. Writes arrive after the link's latency (a segment the link
 * "loses" arrives a retransmission delay later, and holds back those behind
 * it). `end()` half-closes (the peer reads EOF after the data); `close()` ends
 * and stops reading; `reset()` aborts both ways and the peer sees ECONNRESET.
 *
 * Read either by pulling (`read()`, or `for await`) or by pushing
 * (`setHandlers`): choose one per stream.
 */
import { abortReason } from '@shoal/kit';
import { copyToSlab } from './copy-bytes.js';
import { SimNetworkError } from './errors.js';
import type { SimNode } from './node.js';
import { TraceKind } from './trace.js';

export interface StreamHandlers {
  data?(chunk: Uint8Array): void;
  /** The peer ended its side; no more data will come. */
  end?(): void;
  /** The connection broke (reset, crash, partition). */
  error?(error: Error): void;
}

const DATA = 0;
const FIN = 1;

interface Segment {
  to: SimStream;
  kind: typeof DATA | typeof FIN;
  data: Uint8Array | undefined;
  ready: boolean;
}

interface Reader {
  resolve(chunk: Uint8Array | null): void;
  reject(error: Error): void;
}

const MAX_RETRANSMITS = 16;

export class SimStream implements AsyncIterable<Uint8Array> {
  readonly id: number;
  readonly node: SimNode;
  readonly peerNode: SimNode;
  readonly localAddress: string;
  readonly remoteAddress: string;
  #peer: SimStream | undefined;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #readers: Reader[] = [];
  #handlers: StreamHandlers | undefined;
  #localEnded = false;
  #remoteEnded = false;
  #closed = false;
  #error: Error | undefined;
  #lastArrival = 0;
  #sendFree = 0;

  /** Creates both ends of a connection; `firstArrival` is the earliest time b's data may reach a. */
  static pair(a: SimNode, aAddress: string, b: SimNode, bAddress: string, firstArrival: number): [SimStream, SimStream] {
    const id = a.network.allocateStreamIds();
    const ends: [SimStream, SimStream] = [new SimStream(id, a, aAddress, b, bAddress), new SimStream(id + 1, b, bAddress, a, aAddress)];
    ends[0].#peer = ends[1];
    ends[1].#peer = ends[0];
    ends[1].#lastArrival = firstArrival;
    return ends;
  }

  private constructor(id: number, node: SimNode, localAddress: string, peerNode: SimNode, remoteAddress: string) {
    this.id = id;
    this.node = node;
    this.localAddress = localAddress;
    this.peerNode = peerNode;
    this.remoteAddress = remoteAddress;
    node.streams.add(this);
    node.network.openStreams.add(this);
  }

  /** The error that broke the connection, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once this side can no longer write (ended, closed or broken). */
  get ended(): boolean {
    return this.#localEnded || this.#closed || this.#error !== undefined;
  }

  /** True once the peer has ended its side and all its data was delivered. */
  get remoteEnded(): boolean {
    return this.#remoteEnded;
  }

  /** Sends bytes (copied). Throws EPIPE after end/close, or the connection's error once broken. */
  write(data: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#localEnded || this.#closed) throw new SimNetworkError('EPIPE', `stream ${this.localAddress} -> ${this.remoteAddress} is ended`);
    if (data.length === 0) return;
    const copy = copyToSlab(data);
    this.node.stats.streamBytesSent += copy.length;
    this.#transmit(DATA, copy);
  }

  /** Half-closes: the peer reads EOF after everything written so far. Idempotent. */
  end(): void {
    if (this.#localEnded || this.#closed || this.#error !== undefined) return;
    this.#localEnded = true;
    this.#transmit(FIN, undefined);
    this.#maybeDone();
  }

  /** Ends this side and stops reading: pending reads get EOF, later data is discarded. Idempotent. */
  close(): void {
    if (this.#closed || this.#error !== undefined) return;
    this.end();
    this.#closed = true;
    this.#chunks = [];
    this.#head = 0;
    this.#settleReaders(null);
    this.#done();
  }

  /** Aborts the connection: local reads fail with ECONNABORTED, the peer sees ECONNRESET. */
  reset(): void {
    if (this.#error !== undefined || this.#closed) return;
    this.#sendReset();
    this.fail(new SimNetworkError('ECONNABORTED', `stream ${this.localAddress} -> ${this.remoteAddress} was reset locally`));
  }

  /**
   * The next chunk; null at end of stream. Rejects once the connection is
   * broken, or with the signal's reason if it aborts first (the read then
   * consumes nothing, so a deadline never loses data).
   */
  read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.#head < this.#chunks.length) return Promise.resolve(this.#take());
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#remoteEnded || this.#closed) return Promise.resolve(null);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      if (signal === undefined) {
        this.#readers.push({ resolve, reject });
        return;
      }
      const onAbort = (): void => {
        const i = this.#readers.indexOf(reader);
        if (i >= 0) this.#readers.splice(i, 1);
        reject(abortReason(signal));
      };
      const reader: Reader = {
        resolve: (chunk) => {
          signal.removeEventListener('abort', onAbort);
          resolve(chunk);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#readers.push(reader);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === null) return;
      yield chunk;
    }
  }

  /** Switches to push mode; chunks already buffered are handed over at once. */
  setHandlers(handlers: StreamHandlers): void {
    this.#handlers = handlers;
    while (this.#head < this.#chunks.length) handlers.data?.(this.#take());
    if (this.#error !== undefined) handlers.error?.(this.#error);
    else if (this.#remoteEnded) handlers.end?.();
  }

  // ---- simulator internals ----

  #take(): Uint8Array {
    const chunk = this.#chunks[this.#head]!;
    this.#chunks[this.#head++] = EMPTY;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    }
    return chunk;
  }

  #transmit(kind: typeof DATA | typeof FIN, data: Uint8Array | undefined): void {
    const net = this.node.network;
    const peer = this.#peer!;
    const link = net.link(this.node, peer.node);
    const now = net.sim.now();
    let start = now;
    if (data !== undefined && link.bytesPerMs !== Infinity) {
      this.#sendFree = Math.max(this.#sendFree, now) + data.length / link.bytesPerMs;
      start = this.#sendFree;
    }
    let delay = link.latency.sample(net.random);
    for (let i = 0; i < MAX_RETRANSMITS && link.loss > 0 && net.random.chance(link.loss); i++) delay += net.retransmitDelayMs;
    const arrival = Math.max(start + delay, this.#lastArrival);
    this.#lastArrival = arrival;
    net.sim.scheduleAt(arrival, arriveSegment, { to: peer, kind, data, ready: false } satisfies Segment);
  }

  /** A segment reached this end (called at delivery time). */
  receive(segment: Segment): void {
    if (this.#error !== undefined || this.#closed) return;
    const node = this.node;
    const sim = node.network.sim;
    if (!segment.ready) {
      segment.ready = true;
      const handoff = node.handoffTime();
      if (handoff > sim.now()) return sim.scheduleAt(handoff, arriveSegment, segment);
    }
    const trace = sim.trace;
    if (segment.kind === DATA) {
      const data = segment.data!;
      trace.begin(TraceKind.streamData);
      trace.float(sim.now());
      trace.word(this.id);
      trace.bytes(data);
      node.stats.streamBytesReceived += data.length;
      const reader = this.#readers.shift();
      if (reader !== undefined) reader.resolve(data);
      else if (this.#handlers?.data !== undefined) this.#handlers.data(data);
      else this.#chunks.push(data);
      return;
    }
    trace.begin(TraceKind.streamEnd);
    trace.float(sim.now());
    trace.word(this.id);
    this.#remoteEnded = true;
    this.#settleReaders(null);
    this.#handlers?.end?.();
    this.#maybeDone();
  }

  /** Breaks this end at once with `error` (reads reject, writes throw). The peer is not told. */
  fail(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#chunks = [];
    this.#head = 0;
    const trace = this.node.network.sim.trace;
    trace.begin(TraceKind.streamReset);
    trace.float(this.node.network.sim.now());
    trace.word(this.id);
    this.node.network.stats.streamResets++;
    this.#done();
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) reader.reject(error);
    this.#handlers?.error?.(error);
  }

  /** This end's node crashed: fail locally; the peer gets a reset after the data already in flight. */
  crashLocal(error: Error): void {
    if (this.#error !== undefined) return;
    if (!this.#closed) this.#sendReset();
    this.fail(error);
  }

  #sendReset(): void {
    const peer = this.#peer!;
    const net = this.node.network;
    const arrival = Math.max(net.sim.now() + net.link(this.node, peer.node).latency.sample(net.random), this.#lastArrival);
    net.sim.scheduleAt(arrival, arriveReset, peer);
  }

  #settleReaders(value: null): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) reader.resolve(value);
  }

  #maybeDone(): void {
    if (this.#localEnded && this.#remoteEnded) this.#done();
  }

  #done(): void {
    this.node.streams.delete(this);
    this.node.network.openStreams.delete(this);
  }
}

const EMPTY = new Uint8Array(0);

function arriveSegment(segment: Segment): void {
  segment.to.receive(segment);
}

function arriveReset(stream: SimStream): void {
  if (stream.error !== undefined || stream.closed || !stream.node.alive) return;
  stream.fail(new SimNetworkError('ECONNRESET', `connection ${stream.localAddress} -> ${stream.remoteAddress} reset by peer`));
}
