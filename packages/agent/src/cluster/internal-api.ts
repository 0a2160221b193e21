// The internal endpoints through which servers and client agents reach the
// leader: the contract between the sending side (leader-channel.ts) and the
// answering side (internal-handler.ts). They ride the agent's HTTP API, under
// a path Consul does not use, on servers only.
//
//   POST /v1/internal/shoal/apply
//     body: one command, encoded by the store's codec (state/codec.ts)
//     200 {"index":N,"result":R,"leader":HINT}   applied at N; R is what the store returned
//     200 {"index":N,"error":{"code","message"},"leader":HINT}
//                                                applied at N, and the store refused it
//   POST /v1/internal/shoal/apply-batch
//     body: several commands, framed (apply-batch.ts), proposed in their order
//     200 framed answers, one per command, each the status and body apply would
//         have answered for it alone
//     400 the framing is malformed (nothing was done)
//   POST /v1/internal/shoal/read-index
//     body: empty
//     200 {"index":N,"leader":HINT}              the leader's confirmed commit index
//   POST /v1/internal/shoal/session-renew/<session ID>
//     body: empty
//     200 {"found":true|false,"leader":HINT}     the leader restarted the session's TTL
//                                                (false: it has no such session)
//   Failures, any endpoint:
//     503 {"error":{"code":"ERR_NOT_LEADER"|"ERR_NO_LEADER",...},"leader":HINT?}
//         this server is not the leader; nothing was done; HINT says who is, if known
//     500 {"error":{"code","message"}}            raft failed the request (its code, e.g. ERR_LEADERSHIP_LOST:
//                                                 the write's outcome is unknown)
//     400/404/405 {"error":{...}}                 a malformed request
//   HINT = {"name","http","raft"}: the leader's node name, HTTP address and raft address.
//
// Bodies are JSON with byte arrays tagged (tagged-json.ts): a result can hold
// KV values.

import { decodeTaggedJson, encodeTaggedJson } from './tagged-json.js';

export const INTERNAL_PATH_PREFIX = '/v1/internal/shoal/';
export const APPLY_PATH = `${INTERNAL_PATH_PREFIX}apply`;
/** Several applies at once (apply-batch.ts). */
export const APPLY_BATCH_PATH = `${INTERNAL_PATH_PREFIX}apply-batch`;
export const READ_INDEX_PATH = `${INTERNAL_PATH_PREFIX}read-index`;
/** Followed by the session ID. */
export const SESSION_RENEW_PATH = `${INTERNAL_PATH_PREFIX}session-renew/`;

/** Who leads, as the answering server knows it. */
export interface LeaderHint {
  readonly name: string;
  readonly httpAddress: string;
  readonly raftAddress: string;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

export type InternalAnswer =
  | { readonly kind: 'applied'; readonly index: number; readonly result: unknown; readonly leader?: LeaderHint }
  | { readonly kind: 'apply-error'; readonly index: number; readonly error: ErrorBody; readonly leader?: LeaderHint }
  | { readonly kind: 'read-index'; readonly index: number; readonly leader?: LeaderHint }
  | { readonly kind: 'renewed'; readonly found: boolean; readonly leader?: LeaderHint }
  | { readonly kind: 'failed'; readonly error: ErrorBody; readonly leader?: LeaderHint };

/** The codes of a 503 answer: nothing was done, another server may do it. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ERR_NOT_LEADER', 'ERR_NO_LEADER']);

interface WireHint {
  name: string;
  http: string;
  raft: string;
}

const hintToWire = (h: LeaderHint | undefined): WireHint | undefined => (h === undefined ? undefined : { name: h.name, http: h.httpAddress, raft: h.raftAddress });

export function encodeAnswer(answer: InternalAnswer): Uint8Array {
  const leader = hintToWire(answer.leader);
  switch (answer.kind) {
    case 'applied':
      return encodeTaggedJson({ index: answer.index, result: answer.result, leader });
    case 'apply-error':
      return encodeTaggedJson({ index: answer.index, error: answer.error, leader });
    case 'read-index':
      return encodeTaggedJson({ index: answer.index, leader });
    case 'renewed':
      return encodeTaggedJson({ found: answer.found, leader });
    case 'failed':
      return encodeTaggedJson({ error: answer.error, leader });
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

function hintFromWire(v: unknown): LeaderHint | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { name, http, raft } = v as Partial<Record<keyof WireHint, unknown>>;
  return isString(name) && isString(http) && isString(raft) ? { name, httpAddress: http, raftAddress: raft } : undefined;
}

function errorFromWire(v: unknown): ErrorBody | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { code, message } = v as Partial<Record<keyof ErrorBody, unknown>>;
  return isString(code) && isString(message) ? { code, message } : undefined;
}

/**
 * Reads an answer to a request on `path`; undefined when the body is not one
 * (a proxy's error page, a server of another version).
 */
export function decodeAnswer(path: string, bytes: Uint8Array): InternalAnswer | undefined {
  let body: Record<string, unknown>;
  try {
    const parsed = decodeTaggedJson(bytes);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    body = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const leader = hintFromWire(body.leader);
  const withLeader = leader === undefined ? {} : { leader };
  const error = errorFromWire(body.error);
  if (path.startsWith(SESSION_RENEW_PATH) && typeof body.found === 'boolean') return { kind: 'renewed', found: body.found, ...withLeader };
  const index = body.index;
  if (path.startsWith(SESSION_RENEW_PATH) || !(Number.isSafeInteger(index) && (index as number) >= 0)) {
    return error === undefined ? undefined : { kind: 'failed', error, ...withLeader };
  }
  if (path === READ_INDEX_PATH) return { kind: 'read-index', index: index as number, ...withLeader };
  if (error !== undefined) return { kind: 'apply-error', index: index as number, error, ...withLeader };
  return { kind: 'applied', index: index as number, result: body.result, ...withLeader };
}
