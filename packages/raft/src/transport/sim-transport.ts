/**
 * A raft Transport on @shoal/sim's network: every request and every answer
 * travels as a message between simulated hosts, subject to the network's
 * partitions, per-link latency, loss, duplication, reordering and bandwidth,
 * and to crashes. A lost message means no answer: the caller times out, as
 * over real TCP. Messages carry objects (no encoding): wire compatibility is
 * the TCP transport's business; this one is about timing and failure.
 */
import { fromUtf8, utf8 } from '@shoal/kit';
import type { Random } from '@shoal/kit';
import type { SimNetwork, SimNode } from '@shoal/sim';
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
import { bytesSource, readAll } from '../storage/snapshot.js';
import type { AppendPipeline, RpcHandler, Transport } from './transport.js';

export interface SimRaftNetworkOptions {
  /** How long a caller waits for an answer. Default 500 ms. */
  timeoutMs?: number;
  /** Pipelined AppendEntries in flight (1 disables pipelining). Default 2. */
  maxInFlight?: number;
  /** Source of loss/latency draws. Default: a fork of the network's generator. */
  random?: Random;
}

/** Rough byte sizes, for links with limited bandwidth. */
function sizeOfAppend(req: AppendEntriesRequest): number {
  let n = 96;
  for (const e of req.entries) n += 40 + e.data.length + e.extensions.length;
  return n;
}

/** The raft endpoints of a simulated network, by address. */
export class SimRaftNetwork {
  readonly network: SimNetwork;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly #random: Random;
  readonly #endpoints = new Map<ServerAddress, SimTransport>();
  /** Messages sent and dropped, for reports. */
  readonly stats = { sent: 0, dropped: 0, delivered: 0 };

  constructor(network: SimNetwork, options: SimRaftNetworkOptions = {}) {
    this.network = network;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.#random = options.random ?? network.random.fork();
  }

  /** A transport for the raft server on `node` at `port`; replaces the one a crashed predecessor had. */
  attach(node: SimNode, port = 7000): SimTransport {
    const t = new SimTransport(this, node, node.address(port));
    this.#endpoints.set(t.localAddr, t);
    return t;
  }

  endpoint(address: ServerAddress): SimTransport | undefined {
    return this.#endpoints.get(address);
  }

  /**
   * Carries one message from `src` towards the endpoint at `to`: `arrive` runs
   * at the receiver after the link's delay, unless the message is lost, the
   * path is cut, or the receiver is down when it lands.
   */
  send(src: SimNode, to: ServerAddress, bytes: number, arrive: (endpoint: SimTransport) => void): void {
    this.stats.sent++;
    const dst = this.#endpoints.get(to)?.node;
    const net = this.network;
    if (dst === undefined || !src.alive || !net.reachable(src, dst)) {
      this.stats.dropped++;
      return;
    }
    const link = net.link(src, dst);
    const r = this.#random;
    if (r.chance(link.loss)) {
      this.stats.dropped++;
      return;
    }
    const copies = r.chance(link.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = link.latency.sample(r) + (Number.isFinite(link.bytesPerMs) ? bytes / link.bytesPerMs : 0);
      if (r.chance(link.reorder)) delay += link.reorderDelay.sample(r);
      net.sim.scheduleAt(net.sim.now() + delay, () => {
        const endpoint = this.#endpoints.get(to);
        if (endpoint === undefined || endpoint.closed || !endpoint.node.alive || endpoint.node !== dst) {
          this.stats.dropped++;
          return;
        }
        this.stats.delivered++;
        arrive(endpoint);
      }, undefined);
    }
  }
}

export class SimTransport implements Transport {
  readonly localAddr: ServerAddress;
  readonly node: SimNode;
  readonly #net: SimRaftNetwork;
  readonly #incarnation: number;
  #handler: RpcHandler | undefined;
  #closed = false;

  constructor(net: SimRaftNetwork, node: SimNode, localAddr: ServerAddress) {
    this.#net = net;
    this.node = node;
    this.localAddr = localAddr;
    this.#incarnation = node.incarnation;
  }

  get closed(): boolean {
    return this.#closed || this.node.incarnation !== this.#incarnation;
  }

  get handler(): RpcHandler | undefined {
    return this.#handler;
  }

  setHandler(handler: RpcHandler | undefined): void {
    this.#handler = handler;
  }

  /** One request/answer exchange with the endpoint at `target`. */
  #call<R>(target: ServerAddress, bytes: number, replyBytes: number, invoke: (h: RpcHandler) => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new TransportShutdownError());
    if (!this.node.alive) return Promise.reject(new PeerUnreachableError(target));
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled || this.closed) return;
        settled = true;
        timer.cancel();
        fn();
      };
      const timer = this.node.clock.after(this.#net.timeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new RpcTimeoutError());
      });
      this.#net.send(this.node, target, bytes, (endpoint) => {
        const handler = endpoint.handler;
        if (handler === undefined) return; // nobody listening: the caller times out
        invoke(handler).then(
          (resp) => this.#net.send(endpoint.node, this.localAddr, replyBytes, () => finish(() => resolve(resp))),
          (err: unknown) => this.#net.send(endpoint.node, this.localAddr, 64, () => finish(() => reject(err))),
        );
      });
    });
  }

  appendEntries(_id: ServerID, target: ServerAddress, req: AppendEntriesRequest): Promise<AppendEntriesResponse> {
    const copy = { ...req, entries: req.entries.map((e) => ({ ...e })) };
    return this.#call(target, sizeOfAppend(req), 64, (h) => h.appendEntries(copy));
  }

  requestVote(_id: ServerID, target: ServerAddress, req: RequestVoteRequest): Promise<RequestVoteResponse> {
    const copy = { ...req };
    return this.#call(target, 96, 64, (h) => h.requestVote(copy));
  }

  requestPreVote(_id: ServerID, target: ServerAddress, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse> {
    const copy = { ...req };
    return this.#call(target, 96, 64, (h) => h.requestPreVote(copy));
  }

  async installSnapshot(_id: ServerID, target: ServerAddress, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse> {
    const bytes = await readAll(data);
    const copy = { ...req };
    return this.#call(target, 256 + bytes.length, 64, (h) => h.installSnapshot(copy, bytesSource(bytes)));
  }

  timeoutNow(_id: ServerID, target: ServerAddress, req: TimeoutNowRequest): Promise<TimeoutNowResponse> {
    const copy = { ...req };
    return this.#call(target, 64, 64, (h) => h.timeoutNow(copy));
  }

  appendEntriesPipeline(id: ServerID, target: ServerAddress): AppendPipeline {
    if (this.closed) throw new TransportShutdownError();
    if (this.#net.maxInFlight <= 1) throw new PipelineReplicationNotSupportedError();
    return new OrderedPipeline((req) => this.appendEntries(id, target, req), target, this.#net.maxInFlight, this.node.clock);
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
  }
}
