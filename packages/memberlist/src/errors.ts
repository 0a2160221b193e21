import { ShoalError } from '@shoal/kit';

/** Stable codes of {@link MemberlistError}; callers switch on these, never on messages. */
export const MemberlistErrorCode = {
  /** A Config value is out of range or inconsistent. */
  InvalidConfig: 'ERR_INVALID_CONFIG',
  /** join() reached none of the given addresses. */
  JoinFailed: 'ERR_JOIN_FAILED',
  /** An address string could not be parsed ("name/host:port"). */
  BadAddress: 'ERR_BAD_ADDRESS',
  /** ping() got no ack within ProbeTimeout (Go's NoPingResponseError). */
  NoPingResponse: 'ERR_NO_PING_RESPONSE',
  /** leave() or updateNode() gave up waiting for the broadcast to go out. */
  BroadcastTimeout: 'ERR_BROADCAST_TIMEOUT',
  /** The list has been shut down. */
  Shutdown: 'ERR_SHUTDOWN',
  /** The operation is not allowed after leave(). */
  Left: 'ERR_LEFT',
  /** RequireNodeNames is set and the address carries no name. */
  NodeNameRequired: 'ERR_NODE_NAME_REQUIRED',
  /** The delegate returned node meta longer than the configured limit. */
  MetaTooLarge: 'ERR_META_TOO_LARGE',
  /** A user message does not fit in one packet (UDPBufferSize). */
  MessageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
  /** Push/pull state failed the protocol or delegate version check (spec §9). */
  IncompatibleVersion: 'ERR_INCOMPATIBLE_VERSION',
  /** A MergeDelegate or AliveDelegate vetoed. */
  Vetoed: 'ERR_VETOED',
  /** The transport failed to send or dial (Go's failedRemote cases). */
  Transport: 'ERR_TRANSPORT',
  /** The peer answered a stream request with an error, or something unexpected. */
  Remote: 'ERR_REMOTE',
  /** Too many push/pulls in progress; the request was dropped. */
  Busy: 'ERR_BUSY',
  /** A stream exchange did not finish within TCPTimeout. */
  Timeout: 'ERR_TIMEOUT',
  /** An internal invariant of the membership state machine broke: a bug, never caught and ignored. */
  Invariant: 'ERR_MEMBERLIST_INVARIANT',
} as const;

export type MemberlistErrorCode = (typeof MemberlistErrorCode)[keyof typeof MemberlistErrorCode];

/** Every error the memberlist engine raises on purpose. */
export class MemberlistError extends ShoalError {
  declare readonly code: MemberlistErrorCode;
  constructor(code: MemberlistErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** join() contacted nobody: `errors` holds one failure per address tried. */
export class JoinError extends MemberlistError {
  readonly errors: readonly Error[];
  constructor(errors: readonly Error[]) {
    super(MemberlistErrorCode.JoinFailed, `failed to join any of ${errors.length} address(es): ${errors.map((e) => e.message).join('; ')}`);
    this.errors = errors;
  }
}

/** ping() got no ack in time (Go's NoPingResponseError). */
export class NoPingResponseError extends MemberlistError {
  readonly node: string;
  constructor(node: string) {
    super(MemberlistErrorCode.NoPingResponse, `no response from node ${node}`);
    this.node = node;
  }
}

/** A transport failure on the remote side: Go's failedRemote (TCP dial/read/write, UDP write). */
export class TransportError extends MemberlistError {
  /** True when the failure says something about the peer (not a local problem). */
  readonly remote: boolean;
  constructor(message: string, remote: boolean, options?: { cause?: unknown }) {
    super(MemberlistErrorCode.Transport, message, options);
    this.remote = remote;
  }
}

/** An internal invariant broke: a bug in memberlist, not bad input. */
export class MemberlistInvariantError extends MemberlistError {
  constructor(message: string) {
    super(MemberlistErrorCode.Invariant, `memberlist invariant violated: ${message}`);
  }
}

/** Asserts an invariant inside protocol code (TigerBeetle style): cheap, always on. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new MemberlistInvariantError(typeof message === 'string' ? message : message());
}
