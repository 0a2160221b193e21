/**
 * InmemTransport: peers in one process, routed by address (Go's
 * InmemTransport). Requests reach the peer's handler on a later microtask;
 * an unanswered request fails after `timeoutMs` on the injected clock.
 * connect/disconnect are one-directional, as in Go; InmemNetwork wires many
 * transports together and cuts partitions in both directions.
 */
import { fromUtf8, utf8 } from '@shoal/kit';
import type { Clock } from '@shoal/kit';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  RequestPreVoteRequest,
  RequestPreVoteResponse,
  RequestVoteRequest,
  RequestVoteResponse,
  TimeoutNowRequest,
  TimeoutNowResponse,
} from '../commands.js';
import type { ServerAddress, ServerID } from '../configuration.js';
import { PeerUnreachableError, PipelineReplicationNotSupportedError, RpcTimeoutError, TransportShutdownError } from '../errors.js';
import { OrderedPipeline } from './ordered-pipeline.js';
import type { AppendPipeline, RpcHandler, Transport } from './transport.js';

export interface InmemTransportOptions {
  clock: Clock;
  /** How long a request waits for the peer's answer. Default 500 ms (Go's default). */
  timeoutMs?: number;
  /** Pipelined AppendEntries in flight at once; 1 disables pipelining. Default 2 (Go's MaxRPCsInFlight). */
  maxInFlight?: number;
}

const SNAPSHOT_TIMEOUT_SCALE = 256 * 1024;

function copyAppend(req: AppendEntriesRequest): AppendEntriesRequest {
  return { ...req, entries: req.entries.map((e) => ({ ...e })) };
}

export class InmemTransport implements Transport {
  readonly localAddr: ServerAddress;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #peers = new Map<ServerAddress, InmemTransport>();
  readonly #pipelines = new Set<OrderedPipeline>();
  #handler: RpcHandler | undefined;
  #closed = false;

  constructor(localAddr: ServerAddress, options: InmemTransportOptions) {
    this.localAddr = localAddr;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#maxInFlight = options.maxInFlight ?? 2;
  }

  get closed(): boolean {
    return this.#closed;
  }

  setHandler(handler: RpcHandler | undefined): void {
    this.#handler = handler;
  }

  connect(peer: ServerAddress, transport: InmemTransport): void {
    this.#peers.set(peer, transport);
  }

  disconnect(peer: ServerAddress): void {
    this.#peers.delete(peer);
    for (const p of this.#pipelines) if (p.target === peer) void p.close();
  }

  disconnectAll(): void {
    this.#peers.clear();
    for (const p of this.#pipelines) void p.close();
  }

  isConnected(peer: ServerAddress): boolean {
    return this.#peers.has(peer);
  }

  /** Delivers one call to the peer's handler, racing the transport timeout. */
  async #call<R>(target: ServerAddress, timeoutMs: number, invoke: (h: RpcHandler) => Promise<R>): Promise<R> {
    if (this.#closed) throw new TransportShutdownError();
    const peer = this.#peers.get(target);
    if (peer === undefined || peer.#closed) throw new PeerUnreachableError(target);
    await Promise.resolve();
    const handler = peer.#handler;
    if (handler === undefined || peer.#closed) throw new PeerUnreachableError(target);
    return new Promise<R>((resolve, reject) => {
      const timer = this.#clock.after(timeoutMs, () => reject(new RpcTimeoutError()));
      invoke(handler).then(
        (r) => {
          timer.cancel();
          resolve(r);
        },
        (e: unknown) => {
          timer.cancel();
          reject(e);
        },
      );
    });
  }

  appendEntries(_id: ServerID, target: ServerAddress, req: AppendEntriesRequest): Promise<AppendEntriesResponse> {
    const copy = copyAppend(req);
    return this.#call(target, this.#timeoutMs, (h) => h.appendEntries(copy));
  }

  requestVote(_id: ServerID, target: ServerAddress, req: RequestVoteRequest): Promise<RequestVoteResponse> {
    const copy = { ...req };
    return this.#call(target, this.#timeoutMs, (h) => h.requestVote(copy));
  }

  requestPreVote(_id: ServerID, target: ServerAddress, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse> {
    const copy = { ...req };
    return this.#call(target, this.#timeoutMs, (h) => h.requestPreVote(copy));
  }

  installSnapshot(_id: ServerID, target: ServerAddress, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse> {
    const copy = { ...req };
    const timeoutMs = this.#timeoutMs * Math.max(1, req.size / SNAPSHOT_TIMEOUT_SCALE);
    return this.#call(target, timeoutMs, (h) => h.installSnapshot(copy, data));
  }

  timeoutNow(_id: ServerID, target: ServerAddress, req: TimeoutNowRequest): Promise<TimeoutNowResponse> {
    const copy = { ...req };
    return this.#call(target, this.#timeoutMs, (h) => h.timeoutNow(copy));
  }

  appendEntriesPipeline(id: ServerID, target: ServerAddress): AppendPipeline {
    if (this.#closed) throw new TransportShutdownError();
    // As Go's MaxRPCsInFlight: 1 means strictly synchronous replication.
    if (this.#maxInFlight <= 1) throw new PipelineReplicationNotSupportedError();
    if (!this.#peers.has(target)) throw new PeerUnreachableError(target);
    const pipeline = new OrderedPipeline((req) => this.appendEntries(id, target, req), target, this.#maxInFlight, this.#clock, () => this.#pipelines.delete(pipeline));
    this.#pipelines.add(pipeline);
    return pipeline;
  }

  encodePeer(_id: ServerID, address: ServerAddress): Uint8Array {
    return utf8(address);
  }

  decodePeer(bytes: Uint8Array): ServerAddress {
    return fromUtf8(bytes);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handler = undefined;
    for (const p of this.#pipelines) await p.close();
  }
}

/** Many InmemTransports on one clock, fully connected, with partitions in both directions. */
export class InmemNetwork {
  readonly #clock: Clock;
  readonly #options: Omit<InmemTransportOptions, 'clock'>;
  readonly #transports = new Map<ServerAddress, InmemTransport>();
  readonly #cut = new Set<string>();

  constructor(clock: Clock, options: Omit<InmemTransportOptions, 'clock'> = {}) {
    this.#clock = clock;
    this.#options = options;
  }

  /** A new transport at `address`, connected to every other one not cut off from it. */
  add(address: ServerAddress): InmemTransport {
    const t = new InmemTransport(address, { clock: this.#clock, ...this.#options });
    this.#transports.set(address, t);
    this.#rewire();
    return t;
  }

  /** Replaces the transport at `address` (a restarted node), keeping partitions. */
  replace(address: ServerAddress): InmemTransport {
    return this.add(address);
  }

  get(address: ServerAddress): InmemTransport | undefined {
    return this.#transports.get(address);
  }

  /** Cuts every link between the two groups (both directions). */
  partition(side: readonly ServerAddress[], other?: readonly ServerAddress[]): void {
    const b = other ?? [...this.#transports.keys()].filter((a) => !side.includes(a));
    for (const x of side) {
      for (const y of b) {
        if (x === y) continue;
        this.#cut.add(`${x}\u0000${y}`);
        this.#cut.add(`${y}\u0000${x}`);
      }
    }
    this.#rewire();
  }

  /** Cuts one node off from everyone. */
  isolate(address: ServerAddress): void {
    this.partition([address]);
  }

  /** Cuts only the link from `from` to `to` (asymmetric partition). */
  cutOneWay(from: ServerAddress, to: ServerAddress): void {
    this.#cut.add(`${from}\u0000${to}`);
    this.#rewire();
  }

  heal(): void {
    this.#cut.clear();
    this.#rewire();
  }

  #rewire(): void {
    for (const [a, ta] of this.#transports) {
      for (const [b, tb] of this.#transports) {
        if (a === b) continue;
        if (this.#cut.has(`${a}\u0000${b}`)) {
          if (ta.isConnected(b)) ta.disconnect(b);
        } else ta.connect(b, tb);
      }
    }
  }
}
