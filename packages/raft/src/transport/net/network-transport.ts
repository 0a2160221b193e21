/**
 * NetworkTransport: raft's Transport over any StreamLayer, speaking Go
 * raft's NetworkTransport protocol byte for byte (wire generation '1.1' for
 * Go raft 1.1.2, '1.7' for current upstream). Client side: a per-peer pool,
 * one RPC at a time per connection, a deadline on each call; a dedicated
 * connection for each pipeline and each snapshot. Server side: RpcServer.
 * Go's behaviour throughout (net_transport.go); where it differs the
 * comment says why.
 */
import { fromUtf8, noopMetrics, silentLogger, utf8, type Clock, type Logger, type Metrics } from '@shoal/kit';
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
} from '../../commands.js';
import { PipelineReplicationNotSupportedError, RpcTimeoutError, TransportShutdownError } from '../../errors.js';
import type { ServerAddress, ServerID } from '../../ids.js';
import type { AppendPipeline, RpcHandler, Transport } from '../transport.js';
import { DEFAULT_MAX_MESSAGE_BYTES, peerCanParse, RpcType, WireEncoder, WireError, type RequestOf, type ResponseOf, type WireGeneration, type WireLimits } from '../wire/index.js';
import type { TimeFormat } from '@shoal/kit';
import { ConnPool } from './conn-pool.js';
import { ConnectionLostError, PreVoteNotSupportedError, RemoteRpcError } from './net-errors.js';
import { NetPipeline } from './net-pipeline.js';
import { RpcServer } from './rpc-server.js';
import { streamSnapshot } from './snapshot-send.js';
import type { StreamLayer } from './stream-layer.js';

export interface NetworkTransportOptions {
  /** Listener and dialer: TcpStreamLayer, TlsStreamLayer, or your own. */
  layer: StreamLayer;
  /** Every timeout runs on this clock. */
  clock: Clock;
  /** What the peers speak: '1.1' (Go raft 1.1.2, the default) or '1.7'. */
  wire?: WireGeneration;
  /** How a '1.7' writer encodes Log.AppendedAt; see WireFormat. */
  timeFormat?: TimeFormat;
  /** Idle connections kept per peer. Default 3 (Go's usual maxPool). */
  maxPool?: number;
  /** Deadline of each RPC, dial and reply write, in ms. Default 10 000 (Go's NewTCPTransport callers). */
  timeoutMs?: number;
  /**
   * Pipelined AppendEntries awaiting replies; 1 disables pipelining. Default
   * as Go of the wire generation: 128 on '1.1' (Go raft 1.1.2's fixed
   * pipeline depth), 2 on '1.7' (Go's MaxRPCsInFlight default since 1.5).
   * A shoal follower writes the requests that wait on a connection with one
   * log write, so a deeper pipeline lets it keep up with fewer syncs.
   */
  maxRpcsInFlight?: number;
  /** Largest request or reply accepted, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Accepted connections served at once (Go has no bound). Default 256. */
  maxInboundConns?: number;
  /** How long a new connection may stay silent before its first request. Default `timeoutMs`. */
  firstByteTimeoutMs?: number;
  logger?: Logger;
  metrics?: Metrics;
}

export class NetworkTransport implements Transport {
  readonly localAddr: ServerAddress;
  readonly generation: WireGeneration;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #encoder: WireEncoder;
  readonly #pool: ConnPool;
  readonly #server: RpcServer;
  readonly #pipelines = new Set<NetPipeline>();
  readonly #metrics: Metrics;
  #handler: RpcHandler | undefined;
  #closed = false;

  /** Starts serving on `options.layer` at once; install the handler with setHandler. */
  constructor(options: NetworkTransportOptions) {
    this.generation = options.wire ?? '1.1';
    this.localAddr = options.layer.addr;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxInFlight = options.maxRpcsInFlight ?? (this.generation === '1.1' ? 128 : 2);
    this.#metrics = options.metrics ?? noopMetrics;
    const format = { generation: this.generation, timeFormat: options.timeFormat };
    const limits: WireLimits = { maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES };
    this.#encoder = new WireEncoder(format);
    this.#pool = new ConnPool({ layer: options.layer, clock: this.#clock, maxPool: options.maxPool ?? 3, dialTimeoutMs: this.#timeoutMs, limits });
    this.#server = new RpcServer({
      layer: options.layer,
      clock: this.#clock,
      format,
      limits,
      timeoutMs: this.#timeoutMs,
      firstByteTimeoutMs: options.firstByteTimeoutMs ?? this.#timeoutMs,
      maxInboundConns: options.maxInboundConns ?? 256,
      logger: (options.logger ?? silentLogger).child({ component: 'raft-net' }),
      metrics: this.#metrics,
      handler: () => this.#handler,
    });
    this.#server.start();
  }

  /** Connections open now: dialed by us (pooled or busy) and accepted from peers. */
  get openConns(): { dialed: number; accepted: number } {
    return { dialed: this.#pool.size, accepted: this.#server.openConns };
  }

  setHandler(handler: RpcHandler | undefined): void {
    this.#handler = handler;
  }

  appendEntries(_id: ServerID, target: ServerAddress, req: AppendEntriesRequest): Promise<AppendEntriesResponse> {
    return this.#call(target, RpcType.AppendEntries, req);
  }

  requestVote(_id: ServerID, target: ServerAddress, req: RequestVoteRequest): Promise<RequestVoteResponse> {
    return this.#call(target, RpcType.RequestVote, req);
  }

  requestPreVote(_id: ServerID, target: ServerAddress, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse> {
    if (!peerCanParse(this.generation, RpcType.RequestPreVote)) return Promise.reject(new PreVoteNotSupportedError());
    return this.#call(target, RpcType.RequestPreVote, req);
  }

  timeoutNow(_id: ServerID, target: ServerAddress, req: TimeoutNowRequest): Promise<TimeoutNowResponse> {
    return this.#call(target, RpcType.TimeoutNow, req);
  }

  async installSnapshot(_id: ServerID, target: ServerAddress, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse> {
    if (this.#closed) throw new TransportShutdownError();
    const head = this.#encoder.request({ type: RpcType.InstallSnapshot, request: req });
    // Go never pools a snapshot connection: it is closed after the one call.
    const client = await this.#pool.dial(target);
    try {
      return expectResponse(await streamSnapshot(client, { clock: this.#clock, timeoutMs: this.#timeoutMs, head, size: req.size, data }));
    } catch (err) {
      throw this.#connFailure(client.target, err);
    } finally {
      client.conn.destroy();
    }
  }

  appendEntriesPipeline(_id: ServerID, target: ServerAddress): AppendPipeline {
    if (this.#closed) throw new TransportShutdownError();
    if (this.#maxInFlight <= 1) throw new PipelineReplicationNotSupportedError();
    // Go dials inside AppendEntriesPipeline; our interface returns at once, so
    // the pipeline's calls wait for the connection instead.
    return new LazyPipeline(this.#pool.dial(target), (client) => {
      const pipeline: NetPipeline = new NetPipeline(client, {
        clock: this.#clock,
        encoder: this.#encoder,
        timeoutMs: this.#timeoutMs,
        maxInFlight: this.#maxInFlight,
        onClose: () => this.#pipelines.delete(pipeline),
      });
      this.#pipelines.add(pipeline);
      return pipeline;
    });
  }

  encodePeer(_id: ServerID, address: ServerAddress): Uint8Array {
    return utf8(address);
  }

  decodePeer(bytes: Uint8Array): ServerAddress {
    return fromUtf8(bytes);
  }

  /** Closes the listener and every connection; outstanding calls fail with TransportShutdownError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    for (const pipeline of [...this.#pipelines]) await pipeline.close();
    this.#pool.close();
    await this.#server.close();
  }

  /** Go's genericRPC: a pooled connection, one request, one reply, within timeoutMs. */
  async #call<K extends Exclude<RpcType, typeof RpcType.InstallSnapshot>>(target: ServerAddress, type: K, request: RequestOf[K]): Promise<ResponseOf[K]> {
    if (this.#closed) throw new TransportShutdownError();
    const bytes = this.#encoder.request({ type, request } as never);
    const client = await this.#pool.take(target);
    const deadline = client.conn.deadline(this.#clock, this.#timeoutMs, () => new RpcTimeoutError());
    let reply;
    try {
      await client.conn.write(bytes);
      reply = await client.readReply(type);
    } catch (err) {
      client.conn.destroy(err);
      throw this.#connFailure(target, err);
    } finally {
      deadline.cancel();
    }
    // An error string is an answer, not a broken stream: the connection stays usable.
    this.#pool.give(client);
    return expectResponse(reply);
  }

  /** What a caller sees when a connection fails: timeouts and shutdown as such, the rest as lost connections. */
  #connFailure(target: ServerAddress, err: unknown): unknown {
    if (err instanceof RpcTimeoutError || err instanceof TransportShutdownError || err instanceof ConnectionLostError || err instanceof RemoteRpcError) return err;
    if (err instanceof WireError) {
      this.#metrics.incrCounter('raft.net.bad_replies', 1, { code: err.code });
      return new ConnectionLostError(target, `undecodable reply: ${err.message}`, { cause: err });
    }
    return new ConnectionLostError(target, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function expectResponse<T>(reply: { error: string; response: T | undefined }): T {
  if (reply.error !== '') throw new RemoteRpcError(reply.error);
  if (reply.response === undefined) throw new RemoteRpcError('peer sent no response');
  return reply.response;
}

/** A pipeline whose connection is still being dialed; calls wait for it, a failed dial fails them. */
class LazyPipeline implements AppendPipeline {
  readonly #ready: Promise<NetPipeline>;
  #closed = false;

  constructor(dial: Promise<import('./client-conn.js').ClientConn>, open: (client: import('./client-conn.js').ClientConn) => NetPipeline) {
    this.#ready = dial.then((client) => {
      const pipeline = open(client);
      if (this.#closed) void pipeline.close();
      return pipeline;
    });
    this.#ready.catch(() => undefined);
  }

  async appendEntries(req: AppendEntriesRequest): ReturnType<AppendPipeline['appendEntries']> {
    return (await this.#ready).appendEntries(req);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pipeline = await this.#ready.catch(() => undefined);
    await pipeline?.close();
  }
}
