/** What travels on a raft stream: a typed request, and the reply to it. */
import type { RpcType } from './generation.js';
import type { RequestOf, ResponseOf } from './messages.js';

/** One request: its RPC type byte and the decoded object. */
export type RequestFrame = { [K in RpcType]: { readonly type: K; readonly request: RequestOf[K] } }[RpcType];

/** One reply: Go's error string ("" on success) and the response, undefined when Go sent nil. */
export interface Reply<K extends RpcType> {
  readonly error: string;
  readonly response: ResponseOf[K] | undefined;
}
