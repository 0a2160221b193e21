/**
 * IpcTransport: raft's Transport for a server in a child process whose only
 * link is the IPC channel to its parent, which routes every RPC to the target
 * process (see router.ts). A request nobody answers (the target is dead, or
 * dies while handling it) fails after `timeoutMs` on the injected clock.
 * InstallSnapshot sends the snapshot whole in one message: test snapshots are
 * small, and the channel is a pipe, not a network.
 */
import { fromUtf8, utf8 } from '@shoal/kit';
import type { Clock, Timer } from '@shoal/kit';
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
import type { ServerAddress, ServerID } from '../../configuration.js';
import { PipelineReplicationNotSupportedError, RaftError, RpcTimeoutError, TransportShutdownError } from '../../errors.js';
import { OrderedPipeline } from '../../transport/ordered-pipeline.js';
import type { AppendPipeline, RpcHandler, Transport } from '../../transport/transport.js';
import type { FromServer, RpcDeliveryMessage, RpcKind, RpcReplyMessage, WireError } from './messages.js';
import { toWireError } from './messages.js';

export interface IpcTransportOptions {
  clock: Clock;
  /** Sends one message to the parent (process.send in a child). */
  send: (message: FromServer) => void;
  /** How long a request waits for its answer (default 500 ms, Go's default). */
  timeoutMs?: number;
  /** Pipelined AppendEntries in flight; 1 disables pipelining (default 2). */
  maxInFlight?: number;
}

/** An error the peer's handler threw, as it came back over the channel. */
export class RemoteRpcError extends RaftError {
  constructor(wire: WireError) {
    super(wire.code, wire.message);
  }
}

const SNAPSHOT_TIMEOUT_SCALE = 256 * 1024;

interface Pending {
  resolve: (resp: unknown) => void;
  reject: (err: Error) => void;
  timer: Timer;
}

export class IpcTransport implements Transport {
  readonly localAddr: ServerAddress;
  readonly #clock: Clock;
  readonly #send: (message: FromServer) => void;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #pending = new Map<number, Pending>();
  readonly #pipelines = new Set<OrderedPipeline>();
  #nextCallId = 1;
  #handler: RpcHandler | undefined;
  #closed = false;

  constructor(localAddr: ServerAddress, options: IpcTransportOptions) {
    this.localAddr = localAddr;
    this.#clock = options.clock;
    this.#send = options.send;
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#maxInFlight = options.maxInFlight ?? 2;
  }

  setHandler(handler: RpcHandler | undefined): void {
    this.#handler = handler;
  }

  /** Feeds one message from the parent: an RPC for this server, or the answer to one of ours. */
  receive(message: RpcDeliveryMessage | RpcReplyMessage): void {
    if (message.type === 'rpc-reply') this.#settle(message);
    else void this.#serve(message);
  }

  #settle(reply: RpcReplyMessage): void {
    const pending = this.#pending.get(reply.callId);
    if (pending === undefined) return; // timed out already
    this.#pending.delete(reply.callId);
    pending.timer.cancel();
    if (reply.error !== undefined) pending.reject(new RemoteRpcError(reply.error));
    else pending.resolve(reply.resp);
  }

  async #serve(message: RpcDeliveryMessage): Promise<void> {
    const reply: RpcReplyMessage = { type: 'rpc-reply', callId: message.callId };
    try {
      reply.resp = await this.#invoke(message);
    } catch (err) {
      reply.error = toWireError(err);
    }
    if (!this.#closed) this.#send(reply);
  }

  #invoke(message: RpcDeliveryMessage): Promise<unknown> {
    const handler = this.#handler;
    if (handler === undefined || this.#closed) return Promise.reject(new TransportShutdownError());
    switch (message.kind) {
      case 'appendEntries':
        return handler.appendEntries(message.req as AppendEntriesRequest);
      case 'requestVote':
        return handler.requestVote(message.req as RequestVoteRequest);
      case 'requestPreVote':
        return handler.requestPreVote(message.req as RequestPreVoteRequest);
      case 'timeoutNow':
        return handler.timeoutNow(message.req as TimeoutNowRequest);
      case 'installSnapshot':
        return handler.installSnapshot(message.req as InstallSnapshotRequest, oneChunk(message.data ?? new Uint8Array(0)));
    }
  }

  #call<R>(target: ServerAddress, kind: RpcKind, req: unknown, timeoutMs: number, data?: Uint8Array): Promise<R> {
    if (this.#closed) return Promise.reject(new TransportShutdownError());
    const callId = this.#nextCallId++;
    return new Promise<R>((resolve, reject) => {
      const timer = this.#clock.after(timeoutMs, () => {
        this.#pending.delete(callId);
        reject(new RpcTimeoutError());
      });
      this.#pending.set(callId, { resolve: resolve as (resp: unknown) => void, reject, timer });
      this.#send({ type: 'rpc', callId, target, kind, req, ...(data !== undefined ? { data } : {}) });
    });
  }

  appendEntries(_id: ServerID, target: ServerAddress, req: AppendEntriesRequest): Promise<AppendEntriesResponse> {
    return this.#call(target, 'appendEntries', req, this.#timeoutMs);
  }

  requestVote(_id: ServerID, target: ServerAddress, req: RequestVoteRequest): Promise<RequestVoteResponse> {
    return this.#call(target, 'requestVote', req, this.#timeoutMs);
  }

  requestPreVote(_id: ServerID, target: ServerAddress, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse> {
    return this.#call(target, 'requestPreVote', req, this.#timeoutMs);
  }

  async installSnapshot(_id: ServerID, target: ServerAddress, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse> {
    const whole = await readExactly(data, req.size);
    const timeoutMs = this.#timeoutMs * Math.max(1, req.size / SNAPSHOT_TIMEOUT_SCALE);
    return this.#call(target, 'installSnapshot', req, timeoutMs, whole);
  }

  timeoutNow(_id: ServerID, target: ServerAddress, req: TimeoutNowRequest): Promise<TimeoutNowResponse> {
    return this.#call(target, 'timeoutNow', req, this.#timeoutMs);
  }

  appendEntriesPipeline(id: ServerID, target: ServerAddress): AppendPipeline {
    if (this.#closed) throw new TransportShutdownError();
    if (this.#maxInFlight <= 1) throw new PipelineReplicationNotSupportedError();
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
    for (const [callId, pending] of this.#pending) {
      this.#pending.delete(callId);
      pending.timer.cancel();
      pending.reject(new TransportShutdownError());
    }
    for (const p of this.#pipelines) await p.close();
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  if (bytes.length > 0) yield bytes;
}

/** The first `size` bytes of `data`, drained whole (the handler contract on the other side). */
async function readExactly(data: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of data) {
    const take = Math.min(chunk.length, size - at);
    out.set(chunk.subarray(0, take), at);
    at += take;
    if (at >= size) break;
  }
  return at === size ? out : out.subarray(0, at);
}
