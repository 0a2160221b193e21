/**
 * How raft talks to its peers. The sending side mirrors Go's Transport; the
 * receiving side (Go's Consumer channel + RPC.Respond) is an RpcHandler the
 * raft node installs: each method answers one request, and a thrown error is
 * what Go sends back as the RPC's error string.
 */
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

export interface RpcHandler {
  appendEntries(req: AppendEntriesRequest): Promise<AppendEntriesResponse>;
  requestVote(req: RequestVoteRequest): Promise<RequestVoteResponse>;
  requestPreVote(req: RequestPreVoteRequest): Promise<RequestPreVoteResponse>;
  /** `data` yields exactly req.size bytes; the handler must drain it before answering. */
  installSnapshot(req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse>;
  timeoutNow(req: TimeoutNowRequest): Promise<TimeoutNowResponse>;
}

/** One pipelined AppendEntries: `response` settles in the order requests were sent. */
export interface AppendFuture {
  /** Clock time (ms) at which the request was sent. */
  readonly startMs: number;
  readonly request: AppendEntriesRequest;
  readonly response: Promise<AppendEntriesResponse>;
}

/** Back-to-back AppendEntries on one stream, answers in order (Go's AppendPipeline). */
export interface AppendPipeline {
  /** Resolves once the request is sent; waits while the pipeline is full (back-pressure). */
  appendEntries(req: AppendEntriesRequest): Promise<AppendFuture>;
  /** Fails every outstanding request with PipelineShutdownError. */
  close(): Promise<void>;
}

export interface Transport {
  readonly localAddr: ServerAddress;
  /** Installs (or, with undefined, removes) the receiver of incoming RPCs. */
  setHandler(handler: RpcHandler | undefined): void;
  appendEntries(id: ServerID, target: ServerAddress, req: AppendEntriesRequest): Promise<AppendEntriesResponse>;
  requestVote(id: ServerID, target: ServerAddress, req: RequestVoteRequest): Promise<RequestVoteResponse>;
  requestPreVote(id: ServerID, target: ServerAddress, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse>;
  /** Streams exactly req.size bytes from `data` after the request. */
  installSnapshot(id: ServerID, target: ServerAddress, req: InstallSnapshotRequest, data: AsyncIterable<Uint8Array>): Promise<InstallSnapshotResponse>;
  timeoutNow(id: ServerID, target: ServerAddress, req: TimeoutNowRequest): Promise<TimeoutNowResponse>;
  /** Throws PipelineReplicationNotSupportedError when the transport cannot pipeline. */
  appendEntriesPipeline(id: ServerID, target: ServerAddress): AppendPipeline;
  encodePeer(id: ServerID, address: ServerAddress): Uint8Array;
  decodePeer(bytes: Uint8Array): ServerAddress;
  /** Permanently stops the transport. */
  close(): Promise<void>;
}
