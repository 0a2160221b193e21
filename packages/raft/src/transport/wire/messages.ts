/**
 * Schemas of every RPC request and response (Go's commands.go), one set per
 * wire generation. go-msgpack flattens the embedded RPCHeader, so its fields
 * are top-level keys of each map; kit's struct writes keys in Go's sorted
 * order. Decoding always uses the 1.7 set: 1.1 input simply lacks some keys,
 * which decode as zero (ID/Addr as nil, AppendedAt as the zero time).
 */
import { field, struct, t, type Field, type MsgType } from '@shoal/kit';
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
import { RpcType, type WireGeneration } from './generation.js';
import { goBytes, goEntries } from './go-nil.js';
import { logSchema } from './log-entry.js';

export interface RequestOf {
  [RpcType.AppendEntries]: AppendEntriesRequest;
  [RpcType.RequestVote]: RequestVoteRequest;
  [RpcType.InstallSnapshot]: InstallSnapshotRequest;
  [RpcType.TimeoutNow]: TimeoutNowRequest;
  [RpcType.RequestPreVote]: RequestPreVoteRequest;
}

export interface ResponseOf {
  [RpcType.AppendEntries]: AppendEntriesResponse;
  [RpcType.RequestVote]: RequestVoteResponse;
  [RpcType.InstallSnapshot]: InstallSnapshotResponse;
  [RpcType.TimeoutNow]: TimeoutNowResponse;
  [RpcType.RequestPreVote]: RequestPreVoteResponse;
}

export interface MessageSchemas {
  readonly requests: { readonly [K in RpcType]?: MsgType<RequestOf[K]> };
  readonly responses: { readonly [K in RpcType]?: MsgType<ResponseOf[K]> };
}

function header(generation: WireGeneration): Record<string, Field<unknown>> {
  const protocolVersion = field('ProtocolVersion', t.int);
  if (generation === '1.1') return { protocolVersion };
  return { protocolVersion, id: field('ID', goBytes), addr: field('Addr', goBytes) };
}

/**
 * The 1.1 schemas have no id/addr fields; encoding a message with them simply
 * leaves them out, and the casts below only widen what the struct infers.
 */
function schemasFor(generation: WireGeneration): MessageSchemas {
  const h = header(generation);
  const appendEntriesRequest = struct({
    ...h,
    term: field('Term', t.uint64),
    leader: field('Leader', goBytes),
    prevLogEntry: field('PrevLogEntry', t.uint64),
    prevLogTerm: field('PrevLogTerm', t.uint64),
    entries: field('Entries', goEntries(logSchema(generation))),
    leaderCommitIndex: field('LeaderCommitIndex', t.uint64),
  });
  const appendEntriesResponse = struct({
    ...h,
    term: field('Term', t.uint64),
    lastLog: field('LastLog', t.uint64),
    success: field('Success', t.bool),
    noRetryBackoff: field('NoRetryBackoff', t.bool),
  });
  const requestVoteRequest = struct({
    ...h,
    term: field('Term', t.uint64),
    candidate: field('Candidate', goBytes),
    lastLogIndex: field('LastLogIndex', t.uint64),
    lastLogTerm: field('LastLogTerm', t.uint64),
    leadershipTransfer: field('LeadershipTransfer', t.bool),
  });
  const requestVoteResponse = struct({
    ...h,
    term: field('Term', t.uint64),
    peers: field('Peers', goBytes),
    granted: field('Granted', t.bool),
  });
  const installSnapshotRequest = struct({
    ...h,
    snapshotVersion: field('SnapshotVersion', t.int),
    term: field('Term', t.uint64),
    leader: field('Leader', goBytes),
    lastLogIndex: field('LastLogIndex', t.uint64),
    lastLogTerm: field('LastLogTerm', t.uint64),
    peers: field('Peers', goBytes),
    configuration: field('Configuration', goBytes),
    configurationIndex: field('ConfigurationIndex', t.uint64),
    size: field('Size', t.int64),
  });
  const installSnapshotResponse = struct({ ...h, term: field('Term', t.uint64), success: field('Success', t.bool) });
  const headerOnly = struct(h);
  const common = {
    requests: {
      [RpcType.AppendEntries]: appendEntriesRequest,
      [RpcType.RequestVote]: requestVoteRequest,
      [RpcType.InstallSnapshot]: installSnapshotRequest,
      [RpcType.TimeoutNow]: headerOnly,
    },
    responses: {
      [RpcType.AppendEntries]: appendEntriesResponse,
      [RpcType.RequestVote]: requestVoteResponse,
      [RpcType.InstallSnapshot]: installSnapshotResponse,
      [RpcType.TimeoutNow]: headerOnly,
    },
  };
  if (generation === '1.1') return common as unknown as MessageSchemas;
  const preVoteRequest = struct({
    ...h,
    term: field('Term', t.uint64),
    lastLogIndex: field('LastLogIndex', t.uint64),
    lastLogTerm: field('LastLogTerm', t.uint64),
  });
  const preVoteResponse = struct({ ...h, term: field('Term', t.uint64), granted: field('Granted', t.bool) });
  return {
    requests: { ...common.requests, [RpcType.RequestPreVote]: preVoteRequest },
    responses: { ...common.responses, [RpcType.RequestPreVote]: preVoteResponse },
  } as unknown as MessageSchemas;
}

const BY_GENERATION: Readonly<Record<WireGeneration, MessageSchemas>> = {
  '1.1': schemasFor('1.1'),
  '1.7': schemasFor('1.7'),
};

/** The schemas a writer of `generation` uses. */
export function messageSchemas(generation: WireGeneration): MessageSchemas {
  return BY_GENERATION[generation];
}

/** The schemas every reader uses: the 1.7 superset (unknown keys are skipped, missing ones are zero). */
export const DECODE_SCHEMAS: MessageSchemas = BY_GENERATION['1.7'];
