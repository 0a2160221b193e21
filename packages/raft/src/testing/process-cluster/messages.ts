/**
 * What a raft server process and its parent say to each other over the
 * child-process IPC channel (serialization 'advanced', so Uint8Array fields
 * cross as they are). The parent is the network: a server sends every RPC to
 * the parent, which forwards it to the target process and carries the answer
 * back. Clients (in the parent) send KV commands to a server the same way.
 */
import type { KvCommand } from '../../sim/kv-fsm.js';
import type { RaftState } from '../../state.js';

export type RpcKind = 'appendEntries' | 'requestVote' | 'requestPreVote' | 'installSnapshot' | 'timeoutNow';

/** An error as it crosses the channel (an Error object's class does not). */
export interface WireError {
  code: string;
  message: string;
}

/** A server asks for an RPC to `target`; `callId` is the sender's own. */
export interface RpcRequestMessage {
  type: 'rpc';
  callId: number;
  target: string;
  kind: RpcKind;
  req: unknown;
  /** InstallSnapshot only: the whole snapshot (small in tests, so not streamed). */
  data?: Uint8Array;
}

/** The parent delivers an RPC to a server; `callId` is the parent's routing id. */
export interface RpcDeliveryMessage {
  type: 'rpc-in';
  callId: number;
  kind: RpcKind;
  req: unknown;
  data?: Uint8Array;
}

/** An RPC's answer, both directions (server → parent with the routing id, parent → caller with its own). */
export interface RpcReplyMessage {
  type: 'rpc-reply';
  callId: number;
  resp?: unknown;
  error?: WireError;
}

export interface ClientRequestMessage {
  type: 'client';
  opId: number;
  cmd: KvCommand;
  /** The server gives up (with a raft timeout error) after this long. */
  timeoutMs: number;
}

export interface ClientReplyMessage {
  type: 'client-reply';
  opId: number;
  output?: string | null | boolean;
  error?: WireError & { leaderId?: string };
}

/** Sent when the server's process is up and its raft running. */
export interface ReadyMessage {
  type: 'ready';
}

/** Sent on every raft state change, so the parent knows who leads. */
export interface StateMessage {
  type: 'state';
  state: RaftState;
  term: number;
}

export type ToServer = RpcDeliveryMessage | RpcReplyMessage | ClientRequestMessage;
export type FromServer = RpcRequestMessage | RpcReplyMessage | ClientReplyMessage | ReadyMessage | StateMessage;

/** How the parent tells a server process what to be (its one argument, JSON). */
export interface ServerSpec {
  id: string;
  /** The server's own directory: its stores live under it and survive restarts. */
  dir: string;
  /** Every server of the cluster (ids double as addresses), to bootstrap with. */
  servers: string[];
  /** Seeds the server's election jitter (distinct per server and incarnation). */
  seed: number;
  rpcTimeoutMs: number;
  heartbeatTimeoutMs: number;
  snapshotThreshold: number;
  trailingLogs: number;
}

export function toWireError(err: unknown): WireError {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e.code === 'string' ? e.code : 'ERR_UNKNOWN', message: typeof e.message === 'string' ? e.message : String(err) };
}
