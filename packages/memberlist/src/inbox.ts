import { formatIP, ipPortString, netContains, parseIP, splitHostPort, type IPNet } from './address.js';
import type { EngineContext } from './context.js';
import type { Outbox } from './outbox.js';
import type { Frame, Packet } from './transport.js';
import type { Alive, IndirectPingReq, PacketMessage, Ping } from './wire/messages.js';
import { decodePacket } from './wire/packet.js';
import { MessageType } from './wire/types.js';

interface Handoff {
  readonly msg: PacketMessage;
  readonly from: string;
}

/**
 * The receiving half of the packet pipeline (Go's ingestPacket,
 * handleCommand and packetHandler). Probe traffic — ping, indirect ping, ack,
 * nack — is handled at once; gossip (alive, suspect, dead, user) goes through
 * bounded handoff queues drained newest first, alive messages before the
 * rest, as Go does under load.
 */
export class Inbox {
  readonly #ctx: EngineContext;
  readonly #outbox: Outbox;
  readonly #cidrs: readonly IPNet[] | undefined;
  readonly #high: Handoff[] = [];
  readonly #low: Handoff[] = [];
  #draining = false;

  constructor(ctx: EngineContext, outbox: Outbox, cidrs: readonly IPNet[] | undefined) {
    this.#ctx = ctx;
    this.#outbox = outbox;
    this.#cidrs = cidrs;
  }

  /** Undefined when `ip` may talk to us (CIDRsAllowed), else why not. */
  ipRefused(ip: Uint8Array | undefined): string | undefined {
    const cidrs = this.#cidrs;
    if (cidrs === undefined) return undefined;
    if (ip !== undefined && cidrs.some((n) => netContains(n, ip))) return undefined;
    return `${formatIP(ip)} is not allowed`;
  }

  /** Undefined when the sender's address passes CIDRsAllowed. */
  sourceRefused(from: string): string | undefined {
    if (this.#cidrs === undefined) return undefined;
    const ip = parseIP(splitHostPort(from)?.host ?? '');
    return ip ? this.ipRefused(ip) : `cannot parse IP from ${from}`;
  }

  /** A packet from the transport. */
  packet(p: Packet): void {
    const ctx = this.#ctx;
    if (ctx.stopped()) return;
    ctx.metrics.incrCounter('memberlist.udp.received', p.buf.length, ctx.labels);
    let decoded;
    try {
      decoded = decodePacket(p.buf, ctx.security);
    } catch (err) {
      ctx.metrics.incrCounter('memberlist.udp.dropped', 1, ctx.labels);
      ctx.logger.warn({ err, from: p.from }, 'memberlist: dropped a packet');
      return;
    }
    if (decoded.errors.length > 0) ctx.metrics.incrCounter('memberlist.udp.bad_messages', decoded.errors.length, ctx.labels);
    for (const err of decoded.errors) ctx.logger.warn({ err, from: p.from }, 'memberlist: bad message in packet');
    ctx.dispatch.run(() => {
      for (const msg of decoded.messages) this.handle(msg, p.from, p.timestampMs);
      this.drain();
    });
  }

  /** A frame-mode packet: the messages come as objects. */
  frame(frame: Frame, from: string, timestampMs: number): void {
    const ctx = this.#ctx;
    if (ctx.stopped()) return;
    ctx.metrics.incrCounter('memberlist.udp.received', frame.length, ctx.labels);
    ctx.dispatch.run(() => {
      for (const msg of frame.messages) this.handle(msg, from, timestampMs);
      this.drain();
    });
  }

  /** One message, already out of its envelope (Go's handleCommand). */
  handle(msg: PacketMessage, from: string, timestampMs: number): void {
    const ctx = this.#ctx;
    switch (msg.type) {
      case MessageType.Ping:
        this.#ping(msg.body, from);
        break;
      case MessageType.IndirectPing:
        this.#indirectPing(msg.body, from);
        break;
      case MessageType.AckResp:
        ctx.acks.ack(msg.body.seqNo, msg.body.payload, timestampMs);
        break;
      case MessageType.NackResp:
        ctx.acks.nack(msg.body.seqNo);
        break;
      case MessageType.Alive:
      case MessageType.Suspect:
      case MessageType.Dead:
      case MessageType.User: {
        const queue = msg.type === MessageType.Alive ? this.#high : this.#low;
        if (queue.length >= ctx.config.handoffQueueDepth) {
          ctx.metrics.incrCounter('memberlist.queue.dropped', 1, ctx.labels);
          ctx.logger.warn({ type: msg.type, from }, 'memberlist: handler queue full, dropping message');
        } else {
          queue.push({ msg, from });
        }
        break;
      }
      default:
        ctx.logger.error({ type: msg.type, from }, 'memberlist: message type not supported in a packet');
    }
  }

  /** Handles queued gossip: newest first, alive before the rest (Go's packetHandler). */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (;;) {
        const next = this.#high.pop() ?? this.#low.pop();
        if (!next) break;
        this.#gossip(next.msg, next.from);
      }
    } finally {
      this.#draining = false;
    }
  }

  #gossip(msg: PacketMessage, from: string): void {
    const { state, config } = this.#ctx;
    switch (msg.type) {
      case MessageType.Alive:
        this.#alive(msg.body, from);
        break;
      case MessageType.Suspect:
        state.suspectNode(msg.body);
        break;
      case MessageType.Dead:
        state.deadNode(msg.body);
        break;
      case MessageType.User:
        try {
          config.delegate?.notifyMsg(msg.payload);
        } catch (err) {
          this.#ctx.logger.error({ err, from }, 'memberlist: delegate notifyMsg threw');
        }
        break;
      default:
        break;
    }
  }

  #alive(a: Alive, from: string): void {
    const ctx = this.#ctx;
    if (this.#cidrs !== undefined) {
      const refused = this.sourceRefused(from) ?? (a.addr !== undefined ? this.ipRefused(a.addr) : undefined);
      if (refused !== undefined) {
        ctx.logger.debug({ from, reason: refused }, 'memberlist: blocked alive message');
        return;
      }
    }
    if (ctx.config.protocolVersion < 2 || a.port === 0) a = { ...a, port: ctx.config.bindPort };
    ctx.state.aliveNode(a, undefined, false);
  }

  #ping(p: Ping, from: string): void {
    const ctx = this.#ctx;
    if (p.node !== '' && p.node !== ctx.config.name) {
      ctx.logger.warn({ node: p.node, from }, 'memberlist: got a ping for another node');
      return;
    }
    const payload = ctx.config.ping?.ackPayload();
    const addr = p.sourceAddr !== undefined && p.sourceAddr.length > 0 && (p.sourcePort ?? 0) > 0 ? ipPortString(p.sourceAddr, p.sourcePort!) : from;
    try {
      this.#outbox.send({ addr, name: p.sourceNode ?? '' }, { type: MessageType.AckResp, body: { seqNo: p.seqNo, payload } });
    } catch (err) {
      ctx.logger.error({ err, to: addr }, 'memberlist: failed to send ack');
    }
  }

  /** Probes a target for a peer whose direct ping failed, and relays the answer (Go's handleIndirectPing). */
  #indirectPing(ind: IndirectPingReq, from: string): void {
    const ctx = this.#ctx;
    const port = ctx.config.protocolVersion < 2 || ind.port === 0 ? ctx.config.bindPort : ind.port;
    const localSeq = ctx.acks.nextSeqNo();
    const { addr: selfAddr, port: selfPort } = ctx.advertise;
    const requester = {
      addr: ind.sourceAddr !== undefined && ind.sourceAddr.length > 0 && (ind.sourcePort ?? 0) > 0 ? ipPortString(ind.sourceAddr, ind.sourcePort!) : from,
      name: ind.sourceNode ?? '',
    };
    let answered = false;
    const nackTimer = ind.nack
      ? ctx.clock.after(ctx.config.probeTimeoutMs, () => {
          if (answered || ctx.stopped()) return;
          try {
            this.#outbox.send(requester, { type: MessageType.NackResp, body: { seqNo: ind.seqNo } });
          } catch (err) {
            ctx.logger.error({ err, to: requester.addr }, 'memberlist: failed to send nack');
          }
        })
      : undefined;
    ctx.acks.expect(localSeq, ctx.config.probeTimeoutMs, () => {
      answered = true;
      nackTimer?.cancel();
      try {
        this.#outbox.send(requester, { type: MessageType.AckResp, body: { seqNo: ind.seqNo, payload: undefined } });
      } catch (err) {
        ctx.logger.error({ err, to: requester.addr }, 'memberlist: failed to forward ack');
      }
    });
    const ping: Ping = { seqNo: localSeq, node: ind.node, sourceAddr: selfAddr, sourcePort: selfPort, sourceNode: ctx.config.name };
    try {
      this.#outbox.send({ addr: ipPortString(ind.target, port), name: ind.node }, { type: MessageType.Ping, body: ping });
    } catch (err) {
      ctx.logger.error({ err, target: ind.node }, 'memberlist: failed to send indirect ping');
    }
  }
}
