import { askVerdict } from './delegates.js';
import type { EngineContext } from './context.js';
import { MemberlistError, MemberlistErrorCode, TransportError } from './errors.js';
import { FrameBudget } from './frame-budget.js';
import type { Inbox } from './inbox.js';
import { Node, NodeInfo } from './node.js';
import { OneOffPart, type Outbox } from './outbox.js';
import { PendingStreams, type PendingStream } from './pending-streams.js';
import type { Address, StreamConn } from './transport.js';
import { verifyProtocol } from './versions.js';
import { messageLength, pushNodeStateLength } from './sizes.js';
import { encodeMessage, type Ping, type PushNodeState } from './wire/messages.js';
import { encodePushPull, encodeUserMsgStream, StreamDecoder, type StreamMessage } from './wire/stream.js';
import { MessageType, NodeStateType } from './wire/types.js';

const EMPTY = new Uint8Array(0);

/** `[type][body]` of a stream message, before compression and encryption. */
export function encodeStreamMessage(msg: StreamMessage): Uint8Array {
  switch (msg.type) {
    case MessageType.PushPull:
      return encodePushPull(msg.join, msg.nodes, msg.userState);
    case MessageType.User:
      return encodeUserMsgStream(msg.payload);
    default:
      return encodeMessage(msg);
  }
}

/** The length {@link encodeStreamMessage} would produce, without encoding. */
export function streamMessageLength(msg: StreamMessage): number {
  switch (msg.type) {
    case MessageType.PushPull: {
      let n = 1 + 1 + 5 + 1 + 6 + uintLen(msg.nodes.length) + 13 + uintLen(msg.userState.length) + msg.userState.length;
      for (const node of msg.nodes) n += pushNodeStateLength(node);
      return n;
    }
    case MessageType.User:
      return 1 + 1 + 11 + uintLen(msg.payload.length) + msg.payload.length;
    default:
      return messageLength(msg);
  }
}

function uintLen(v: number): number {
  return v < 0x80 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : 5;
}

/** A push/pull peer's answer: its table and its delegate state. */
export interface RemoteState {
  readonly join: boolean;
  readonly nodes: PushNodeState[];
  readonly userState: Uint8Array;
}

/**
 * The stream side of the protocol (Go's handleConn, sendAndReceiveState,
 * sendUserMsg, sendPingAndWaitForAck): one request and at most one reply per
 * connection, every exchange bounded by TCPTimeout.
 */
export class Streams {
  readonly #ctx: EngineContext;
  readonly #outbox: Outbox;
  readonly #inbox: Inbox;
  /** Inbound streams being read or served. */
  #inbound = 0;
  /** Push/pulls being served: counted, as in Go, from the moment the request is known to be one until merged. */
  #pushPulls = 0;
  /** Inbound streams that have not yet said what they are. */
  readonly #pending: PendingStreams;
  /** Memory for messages still arriving, shared by every stream. */
  readonly #frames: FrameBudget;

  constructor(ctx: EngineContext, outbox: Outbox, inbox: Inbox) {
    this.#ctx = ctx;
    this.#outbox = outbox;
    this.#inbox = inbox;
    const { config } = ctx;
    this.#pending = new PendingStreams(
      {
        max: config.maxPendingStreams,
        maxPerAddress: config.maxPendingStreamsPerAddress,
        firstMessageTimeoutMs: Math.min(config.streamFirstMessageTimeoutMs, config.tcpTimeoutMs),
      },
      ctx.clock,
      ctx.logger,
      ctx.metrics,
      ctx.labels,
    );
    this.#frames = new FrameBudget(config.partialFrameBudgetBytes, ctx.metrics, ctx.logger, ctx.labels);
  }

  /** Inbound streams being read or served now. */
  get activeInbound(): number {
    return this.#inbound;
  }

  /** Inbound streams that have not yet sent a request. */
  get pendingInbound(): number {
    return this.#pending.size;
  }

  /** Bytes held for stream messages still arriving. */
  get partialFrameBytes(): number {
    return this.#frames.used;
  }

  /** An inbound connection from the transport. */
  accept(conn: StreamConn): void {
    const limited = { closed: false };
    const pending = this.#pending.admit(conn.remoteAddr, () => {
      limited.closed = true;
      conn.close();
    });
    this.#inbound++;
    this.#serve(conn, pending, limited)
      .catch((err: unknown) => this.#ctx.logger.error({ err, from: conn.remoteAddr }, 'memberlist: stream handler failed'))
      .finally(() => {
        pending.identified();
        this.#inbound--;
        conn.close();
      });
  }

  /** `limited.closed` tells that the pending-stream limits closed the stream (already counted and logged there). */
  async #serve(conn: StreamConn, pending: PendingStream, limited: { readonly closed: boolean }): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.stopped()) return;
    const refused = this.#inbox.sourceRefused(conn.remoteAddr);
    if (refused !== undefined) {
      ctx.logger.warn({ from: conn.remoteAddr, reason: refused }, 'memberlist: blocked stream');
      return;
    }
    ctx.metrics.incrCounter('memberlist.tcp.accept', 1, ctx.labels);
    const deadline = this.#deadline(conn, ctx.config.tcpTimeoutMs);
    let pushPull = false;
    // First come, first served, as in Go: a push/pull that arrives while the cap is reached is dropped.
    const identify = (type: number): boolean => {
      pending.identified();
      if (type !== MessageType.PushPull) return true;
      if (this.#pushPulls >= ctx.config.maxConcurrentPushPulls) return false;
      this.#pushPulls++;
      pushPull = true;
      return true;
    };
    try {
      let msg: StreamMessage | undefined;
      try {
        msg = await this.#read(conn, true, identify);
      } catch (err) {
        if (err instanceof TransportError) throw err;
        // A bad request gets an error reply, as in Go.
        ctx.logger.error({ err, from: conn.remoteAddr }, 'memberlist: failed to receive');
        this.#reply(conn, { type: MessageType.Err, body: { error: (err as Error).message } });
        return;
      }
      if (msg === undefined) {
        ctx.logger.error({ from: conn.remoteAddr }, 'memberlist: too many pending push/pull requests');
        ctx.metrics.incrCounter('memberlist.pushpull.dropped', 1, ctx.labels);
        return;
      }
      switch (msg.type) {
        case MessageType.User:
          if (msg.payload.length > 0) ctx.dispatch.run(() => ctx.config.delegate?.notifyMsg(msg.payload));
          break;
        case MessageType.PushPull:
          this.#servePushPull(conn, msg);
          break;
        case MessageType.Ping:
          if (msg.body.node !== '' && msg.body.node !== ctx.config.name) {
            ctx.logger.warn({ node: msg.body.node, from: conn.remoteAddr }, 'memberlist: got a stream ping for another node');
            return;
          }
          this.#reply(conn, { type: MessageType.AckResp, body: { seqNo: msg.body.seqNo, payload: undefined } });
          break;
        default:
          ctx.logger.error({ type: msg.type, from: conn.remoteAddr }, 'memberlist: invalid stream message type');
      }
    } catch (err) {
      if (limited.closed) ctx.logger.debug({ err, from: conn.remoteAddr }, 'memberlist: inbound stream closed by the pending-stream limits');
      else ctx.logger.warn({ err, from: conn.remoteAddr }, 'memberlist: inbound stream failed');
    } finally {
      if (pushPull) this.#pushPulls--;
      deadline.cancel();
    }
  }

  #servePushPull(conn: StreamConn, remote: RemoteState): void {
    // The responder replies first, then merges.
    this.#reply(conn, this.localState(remote.join));
    this.merge(remote);
  }

  /** Our side of a push/pull: every row of the table, then the delegate's state. */
  localState(join: boolean): StreamMessage {
    const { state, config } = this.#ctx;
    const t = state.table;
    const nodes: PushNodeState[] = new Array(t.length);
    for (let i = 0; i < t.length; i++) {
      const n = t.info(i);
      nodes[i] = { name: n.name, addr: n.addr, port: n.port, meta: n.meta, incarnation: t.incarnation(i), state: t.state(i), vsn: n.vsn };
    }
    const userState = config.delegate?.localState(join) ?? EMPTY;
    return { type: MessageType.PushPull, join, nodes, userState };
  }

  /**
   * Merges a peer's state (Go's mergeRemoteState): version check, then the
   * merge delegate's veto (joins only), the table, then the delegate state.
   */
  merge(remote: RemoteState): void {
    const ctx = this.#ctx;
    // Messages may be shared (frame mode): replace rather than mutate.
    const fixPort = (n: PushNodeState): PushNodeState => (ctx.config.protocolVersion < 2 || n.port === 0 ? { ...n, port: ctx.config.bindPort } : n);
    const nodes = remote.nodes.map(fixPort);
    ctx.dispatch.run(() => {
      const problem = verifyProtocol(nodes, ctx.state.table);
      if (problem) throw new MemberlistError(MemberlistErrorCode.IncompatibleVersion, problem);
      if (remote.join && ctx.config.merge) {
        const peers = nodes.map((n) => new Node(new NodeInfo(n.name, n.addr ?? new Uint8Array(0), n.port, n.meta, n.vsn), n.state as NodeStateType));
        const veto = askVerdict(() => ctx.config.merge!.notifyMerge(peers));
        if (veto) throw new MemberlistError(MemberlistErrorCode.Vetoed, `merge refused: ${veto.message}`, { cause: veto });
      }
      ctx.state.mergeState(nodes);
      if (remote.userState.length > 0) ctx.config.delegate?.mergeRemoteState(remote.userState, remote.join);
    });
  }

  /** Initiates a push/pull with `to` and merges the answer (Go's pushPullNode). */
  async pushPull(to: Address, join: boolean, signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    const ctx = this.#ctx;
    const started = ctx.clock.now();
    try {
      const remote = await this.sendAndReceiveState(to, join, signal, timeoutMs);
      signal?.throwIfAborted();
      const incarnation = ctx.state.incarnation;
      this.merge(remote);
      if (ctx.state.incarnation !== incarnation) this.#answerClaim(to);
    } finally {
      // Go's memberlist.pushPullNode, failures included (a deferred MeasureSince).
      ctx.metrics.addTiming('memberlist.pushPullNode', ctx.clock.now() - started, ctx.labels);
    }
  }

  /**
   * Beyond Go: the peer whose table just made us refute (a restarted member
   * joining through a seed that holds it dead) certainly holds the stale
   * claim, so it hears our new incarnation at once, besides the gossip. With
   * few members and the local profile that gossip reaches a given member
   * only about 15 times in 16, and a miss lasts until a push/pull with it.
   */
  #answerClaim(to: Address): void {
    const ctx = this.#ctx;
    const alive = ctx.state.localAlive();
    if (alive === undefined) return;
    try {
      this.#outbox.sendParts(to, undefined, [new OneOffPart({ type: MessageType.Alive, body: alive })]);
      ctx.metrics.incrCounter('memberlist.refute.direct', 1, ctx.labels);
    } catch (err) {
      ctx.logger.debug({ err, to: to.name }, 'memberlist: could not send our refutation to the push/pull peer');
    }
  }

  /** Sends our state and reads the peer's (Go's sendAndReceiveState); `timeoutMs` defaults to TCPTimeout. */
  async sendAndReceiveState(to: Address, join: boolean, signal?: AbortSignal, timeoutMs = this.#ctx.config.tcpTimeoutMs): Promise<RemoteState> {
    const ctx = this.#ctx;
    this.#requireName(to);
    const started = ctx.clock.now();
    let conn: StreamConn;
    try {
      conn = await this.#dial(to, timeoutMs);
    } catch (e) {
      // Transports report a dial timeout in their own words; the elapsed time says it for all of them.
      if (ctx.clock.now() - started >= timeoutMs) throw this.#pushPullTimedOut(to, timeoutMs, e);
      throw e;
    }
    const deadline = this.#deadline(conn, timeoutMs);
    const onAbort = (): void => conn.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      ctx.metrics.incrCounter('memberlist.tcp.connect', 1, ctx.labels);
      this.#send(conn, this.localState(join), true);
      const reply = await this.#readReply(conn);
      if (reply.type === MessageType.Err) throw new MemberlistError(MemberlistErrorCode.Remote, `remote error: ${reply.body.error}`);
      if (reply.type !== MessageType.PushPull) throw new MemberlistError(MemberlistErrorCode.Remote, `received message type ${reply.type}, expected push/pull`);
      return reply;
    } catch (e) {
      if (deadline.expired && !signal?.aborted) throw this.#pushPullTimedOut(to, timeoutMs, e);
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      deadline.cancel();
      conn.close();
    }
  }

  /** A user message over a stream (Go's sendUserMsg). */
  async sendUser(to: Address, payload: Uint8Array): Promise<void> {
    const ctx = this.#ctx;
    this.#requireName(to);
    const conn = await this.#dial(to, ctx.config.tcpTimeoutMs);
    try {
      this.#send(conn, { type: MessageType.User, payload }, true);
    } finally {
      conn.close();
    }
  }

  /**
   * The TCP fallback probe (Go's sendPingAndWaitForAck): true if the target
   * acked before `deadlineMs`, false if it could not be reached. Other
   * failures reject.
   */
  async ping(to: Address, ping: Ping, deadlineMs: number): Promise<boolean> {
    const ctx = this.#ctx;
    this.#requireName(to);
    const timeoutMs = deadlineMs - ctx.clock.now();
    let conn: StreamConn;
    try {
      conn = await this.#dial(to, Math.max(0, timeoutMs));
    } catch {
      return false;
    }
    const deadline = this.#deadline(conn, Math.max(0, deadlineMs - ctx.clock.now()));
    try {
      this.#send(conn, { type: MessageType.Ping, body: ping }, true);
      const reply = await this.#readReply(conn);
      if (reply.type !== MessageType.AckResp) throw new MemberlistError(MemberlistErrorCode.Remote, `unexpected message type ${reply.type} in reply to a ping`);
      if (reply.body.seqNo !== ping.seqNo) throw new MemberlistError(MemberlistErrorCode.Remote, `sequence number from ack (${reply.body.seqNo}) doesn't match ping (${ping.seqNo})`);
      return true;
    } finally {
      deadline.cancel();
      conn.close();
    }
  }

  #requireName(to: Address): void {
    if (to.name === '' && this.#ctx.config.requireNodeNames) {
      throw new MemberlistError(MemberlistErrorCode.NodeNameRequired, `node names are required by configuration but none was given for ${to.addr}`);
    }
  }

  async #dial(to: Address, timeoutMs: number): Promise<StreamConn> {
    try {
      return await this.#ctx.transport.dialAddressTimeout(to, timeoutMs);
    } catch (e) {
      if (e instanceof TransportError) throw e;
      throw new TransportError(`dial ${to.addr} failed: ${(e as Error).message}`, true, { cause: e });
    }
  }

  #send(conn: StreamConn, msg: StreamMessage, dialer: boolean): void {
    if (this.#outbox.framed && conn.writeMessage) {
      const length = streamMessageLength(msg);
      this.#ctx.metrics.incrCounter('memberlist.tcp.sent', length, this.#ctx.labels);
      conn.writeMessage(msg, length);
      return;
    }
    const bytes = this.#outbox.streamBytes(encodeStreamMessage(msg), dialer);
    this.#ctx.metrics.incrCounter('memberlist.tcp.sent', bytes.length, this.#ctx.labels);
    conn.write(bytes);
  }

  #reply(conn: StreamConn, message: StreamMessage): void {
    try {
      this.#send(conn, message, false);
    } catch (err) {
      this.#ctx.logger.error({ err, to: conn.remoteAddr }, 'memberlist: failed to reply on stream');
    }
  }

  /** Reads the reply to a request we sent. */
  async #readReply(conn: StreamConn): Promise<StreamMessage> {
    return (await this.#read(conn, false, () => true))!;
  }

  /**
   * Reads one message; `request` when we are the responder (a label header
   * may come first). `identify` hears the message's type as soon as it is
   * known; if it answers false, reading stops and the result is undefined.
   */
  async #read(conn: StreamConn, request: boolean, identify: (type: number) => boolean): Promise<StreamMessage | undefined> {
    if (this.#outbox.framed && conn.readMessage) {
      const msg = await conn.readMessage();
      if (msg === null) throw new TransportError(`stream from ${conn.remoteAddr} ended early`, true);
      return identify(msg.type) ? msg : undefined;
    }
    const allowance = this.#frames.open(conn.remoteAddr, () => conn.close());
    const decoder = new StreamDecoder({ ...this.#ctx.security, readLabelHeader: request, allowance });
    let identified = false;
    try {
      for (;;) {
        const chunk = await conn.read();
        if (chunk === null) {
          decoder.end();
          throw new TransportError(`stream from ${conn.remoteAddr} ended early`, true);
        }
        const r = decoder.push(chunk);
        const type = decoder.messageType;
        if (!identified && type !== undefined) {
          identified = true;
          if (!identify(type)) return undefined;
        }
        if (r !== 'need-more') return r.message;
      }
    } finally {
      allowance.release();
    }
  }

  #pushPullTimedOut(to: Address, ms: number, cause: unknown): MemberlistError {
    return new MemberlistError(MemberlistErrorCode.Timeout, `push/pull with ${to.addr} timed out after ${ms} ms`, { cause });
  }

  /** Closes `conn` if the exchange is not over in `ms` (Go's SetDeadline); `expired` tells whether it did. */
  #deadline(conn: StreamConn, ms: number): { cancel(): void; readonly expired: boolean } {
    let expired = false;
    const timer = this.#ctx.clock.after(ms, () => {
      expired = true;
      conn.close();
    });
    return {
      cancel: () => timer.cancel(),
      get expired() {
        return expired;
      },
    };
  }
}

