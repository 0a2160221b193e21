import type { Node } from './node.js';

/**
 * Hooks into gossip (Go's Delegate). Every method is called from the list's
 * own context, never concurrently; it may call back into the list.
 */
export interface Delegate {
  /** Metadata advertised in this node's alive messages; at most `limit` bytes. */
  nodeMeta(limit: number): Uint8Array;
  /** A user message arrived (best effort, reliable, or gossiped). The buffer is the caller's to keep. */
  notifyMsg(msg: Uint8Array): void;
  /** User broadcasts to piggyback: each costs `overhead` extra bytes; together at most `limit`. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  /** State sent with a push/pull; `join` tells a join from periodic anti-entropy. */
  localState(join: boolean): Uint8Array;
  /** The peer's localState after a push/pull. */
  mergeRemoteState(buf: Uint8Array, join: boolean): void;
}

/** Membership notifications (Go's EventDelegate), delivered in order, after the change is complete. */
export interface EventDelegate {
  notifyJoin(node: Node): void;
  notifyLeave(node: Node): void;
  notifyUpdate(node: Node): void;
}

/** A node tried to use a name already held by another address (Go's ConflictDelegate). */
export interface ConflictDelegate {
  notifyConflict(existing: Node, other: Node): void;
}

/**
 * A veto: return (or throw) an Error to refuse; return nothing to accept.
 * Delegates that may veto use this shape instead of Go's `error` result.
 */
export type Verdict = Error | undefined | void;

/** Asked before a join merges the peer's member list (Go's MergeDelegate); not asked for anti-entropy. */
export interface MergeDelegate {
  notifyMerge(peers: Node[]): Verdict;
}

/** Asked about every alive message before it is applied (Go's AliveDelegate); a veto drops the message. */
export interface AliveDelegate {
  notifyAlive(peer: Node): Verdict;
}

/** Round-trip times of direct probes, with a payload carried in acks (Go's PingDelegate). */
export interface PingDelegate {
  /** Bytes to attach to each ack this node sends. */
  ackPayload(): Uint8Array;
  /** A direct probe was acked after `rttMs`; `payload` is the peer's ackPayload. */
  notifyPingComplete(other: Node, rttMs: number, payload: Uint8Array): void;
}

/** What happened to a node, for typed events and the async event stream (Go's NodeEventType). */
export type NodeEventType = 'join' | 'leave' | 'update';

/** One membership change (Go's NodeEvent). */
export interface NodeEvent {
  readonly type: NodeEventType;
  readonly node: Node;
}

/** Runs a veto delegate: an Error returned or thrown refuses. */
export function askVerdict(ask: () => Verdict): Error | undefined {
  try {
    const r = ask();
    return r instanceof Error ? r : undefined;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
