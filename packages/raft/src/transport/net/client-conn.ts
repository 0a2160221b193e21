/**
 * A connection we dialed: the stream, the reader of the replies that come
 * back on it, and the peer it leads to. Replies carry no id (Go answers in
 * request order), so the caller names the RPC type it expects next.
 */
import { NEED_MORE } from '@shoal/kit';
import type { ServerAddress } from '../../ids.js';
import { ReplyReader, type Reply, type RpcType, type WireLimits } from '../wire/index.js';
import type { Conn } from './conn.js';
import { ConnectionLostError } from './net-errors.js';

export class ClientConn {
  readonly #replies: ReplyReader;

  constructor(
    readonly conn: Conn,
    readonly target: ServerAddress,
    limits: WireLimits,
  ) {
    this.#replies = new ReplyReader(limits);
  }

  /** The next reply, to an RPC of `type`, if all of it has been read already; undefined if not. Throws a WireError. */
  bufferedReply<K extends RpcType>(type: K): Reply<K> | undefined {
    const reply = this.#replies.next(type);
    return reply !== NEED_MORE && !('needMore' in reply) ? reply : undefined;
  }

  /** Reads the next reply, to an RPC of `type`. Throws the connection's failure or a WireError. */
  async readReply<K extends RpcType>(type: K): Promise<Reply<K>> {
    for (;;) {
      const reply = this.#replies.next(type);
      if (reply !== NEED_MORE && !('needMore' in reply)) return reply;
      const chunk = await this.conn.read();
      if (chunk === null) throw new ConnectionLostError(this.target, 'closed by the peer before it replied');
      this.#replies.push(chunk);
    }
  }
}
