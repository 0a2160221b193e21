/** Errors NetworkTransport raises beyond raft's own (errors.ts). */
import { PeerUnreachableError, RaftError } from '../../errors.js';
import type { ServerAddress } from '../../ids.js';

/**
 * The peer answered with Go's error string. The message is that string
 * exactly: raft matches on it (e.g. "unexpected command" for pre-vote).
 */
export class RemoteRpcError extends RaftError {
  constructor(message: string) {
    super('ERR_RPC_REMOTE', message);
  }
}

/** Dialing failed; the message carries the reason (refused, timed out, TLS verification). */
export class DialError extends PeerUnreachableError {
  constructor(target: ServerAddress, reason: string, options?: { cause?: unknown }) {
    super(target);
    this.message = `${this.message}: ${reason}`;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** An established connection failed mid-call (reset, EOF, an undecodable reply). */
export class ConnectionLostError extends RaftError {
  constructor(target: ServerAddress, reason: string, options?: { cause?: unknown }) {
    super('ERR_CONNECTION_LOST', `connection to ${target} lost: ${reason}`, options);
  }
}

/**
 * A 1.1 peer cannot parse RequestPreVote (Go 1.1.2 would drop the connection).
 * The message contains "unexpected command", which raft's election counts as
 * a granted pre-vote from an old peer, as Go 1.7 does.
 */
export class PreVoteNotSupportedError extends RaftError {
  constructor() {
    super('ERR_PRE_VOTE_NOT_SUPPORTED', 'unexpected command: wire generation 1.1 has no RequestPreVote');
  }
}

/** accept() on a closed StreamLayer. */
export class StreamLayerClosedError extends RaftError {
  constructor() {
    super('ERR_STREAM_LAYER_CLOSED', 'stream layer closed');
  }
}
