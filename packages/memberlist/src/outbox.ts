import { formatIP, splitHostPort, type Address } from './address.js';
import { encryptionEnabled } from './config.js';
import type { EngineContext } from './context.js';
import { MemberlistError, MemberlistErrorCode, TransportError } from './errors.js';
import type { NodeInfo } from './node.js';
import { COMPOUND_HEADER_OVERHEAD, COMPOUND_PART_OVERHEAD } from './wire/compound.js';
import { labelOverhead } from './wire/label.js';
import { encodeMessage, type PacketMessage } from './wire/messages.js';
import { encodePacket, encodePackets, encryptsOutgoing, type EncodePacketOptions } from './wire/packet.js';
import { encryptOverhead } from './wire/security.js';
import { encodeStream } from './wire/stream.js';
import { MessageType } from './wire/types.js';
import { messageLength } from './sizes.js';
import { carriesFrames, type FrameTransport } from './transport.js';
import { CRC_OVERHEAD } from './wire/crc.js';
import { Limits } from './wire/limits.js';

/** Bound on the per-address host cache: members' addresses are few, strangers' must not grow it. */
const MAX_CACHED_HOSTS = 4096;

/** One message of an outgoing packet: its content, its bytes (built on demand), and their length. */
export interface OutPart {
  readonly msg: PacketMessage;
  message(): Uint8Array;
  readonly messageLength: number;
}

/** A message sent once (pings, acks, nacks): its length computed, its bytes built when sent. */
export class OneOffPart implements OutPart {
  readonly msg: PacketMessage;
  readonly messageLength: number;
  constructor(msg: PacketMessage) {
    this.msg = msg;
    this.messageLength = messageLength(msg);
  }
  message(): Uint8Array {
    return encodeMessage(this.msg);
  }
}

/** A user broadcast from Delegate.getBroadcasts: `[8][payload]`. */
class UserPart implements OutPart {
  readonly msg: PacketMessage;
  readonly messageLength: number;
  readonly #payload: Uint8Array;
  constructor(payload: Uint8Array) {
    this.#payload = payload;
    this.msg = { type: MessageType.User, payload };
    this.messageLength = payload.length + 1;
  }
  message(): Uint8Array {
    const out = new Uint8Array(this.#payload.length + 1);
    out[0] = MessageType.User;
    out.set(this.#payload, 1);
    return out;
  }
}

/**
 * The sending half of the packet pipeline (Go's sendMsg, rawSendMsgPacket,
 * getBroadcasts and rawSendMsgStream): piggybacking, compound, compression,
 * CRC, encryption and label, then the transport.
 */
export class Outbox {
  readonly #ctx: EngineContext;
  /** Set in frame mode: messages go out as objects. */
  readonly #frames: FrameTransport | undefined;

  // Computed once: the label cannot change; encryption can be switched on by adding keys, so both forms are kept.
  readonly #label: number;
  readonly #encryption: number;
  readonly #options: (EncodePacketOptions | undefined)[] = [undefined, undefined];
  /** The host part of each address sent to, for #nodeByHost. */
  readonly #hosts = new Map<string, string | undefined>();

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    this.#frames = carriesFrames(ctx.transport) ? ctx.transport : undefined;
    this.#label = labelOverhead(ctx.config.label);
    this.#encryption = encryptOverhead(ctx.security.encryptionVersion ?? 1);
  }

  /** True in the simulator's frame mode. */
  get framed(): boolean {
    return this.#frames !== undefined;
  }

  /** Bytes the envelope takes from every packet: label, and encryption when we encrypt. */
  get envelopeOverhead(): number {
    return this.#label + (encryptsOutgoing(this.#ctx.security) ? this.#encryption : 0);
  }

  /** Room for gossip in one packet (Go's gossip bytesAvail). */
  get gossipBudget(): number {
    return this.#ctx.config.udpBufferSize - COMPOUND_HEADER_OVERHEAD - this.#label - (encryptionEnabled(this.#ctx.config) ? this.#encryption : 0);
  }

  /**
   * Sends `msg` with as many queued broadcasts as fit piggybacked on it (Go's
   * encodeAndSendMsg). Throws a TransportError when the transport fails.
   */
  send(to: Address, msg: PacketMessage): void {
    const first = new OneOffPart(msg);
    const avail = this.#ctx.config.udpBufferSize - first.messageLength - COMPOUND_HEADER_OVERHEAD - this.envelopeOverhead;
    const extra = this.broadcasts(COMPOUND_PART_OVERHEAD, avail);
    this.sendParts(to, undefined, extra.length === 0 ? [first] : [first, ...extra]);
  }

  /** A user message to one address, best effort (Go's SendToAddress / SendBestEffort). */
  sendUser(to: Address, node: NodeInfo | undefined, payload: Uint8Array): void {
    this.sendParts(to, node, [new UserPart(payload)]);
  }

  /**
   * Takes system broadcasts, then user broadcasts from the delegate, into at
   * most `limit` bytes with `overhead` per message (Go's getBroadcasts).
   */
  broadcasts(overhead: number, limit: number): OutPart[] {
    const { broadcasts, config } = this.#ctx;
    const out = broadcasts.takeBroadcasts(overhead, limit) as unknown as OutPart[];
    const d = config.delegate;
    if (d) {
      let used = 0;
      for (const p of out) used += p.messageLength + overhead;
      const avail = limit - used;
      if (avail > overhead + 1) {
        for (const payload of d.getBroadcasts(overhead + 1, avail)) out.push(new UserPart(payload));
      }
    }
    return out;
  }

  /**
   * Sends parts as one packet — one message bare, several as a compound,
   * split every 255 — with compression, a CRC when the receiver speaks
   * protocol 5, encryption and label (Go's rawSendMsgPacket).
   */
  sendParts(to: Address, node: NodeInfo | undefined, parts: readonly OutPart[]): void {
    const ctx = this.#ctx;
    if (to.name === '' && ctx.config.requireNodeNames) {
      throw new MemberlistError(MemberlistErrorCode.NodeNameRequired, `node names are required by configuration but none was given for ${to.addr}`);
    }
    const receiver = node ?? this.#nodeByHost(to.addr);
    const crc = receiver !== undefined && receiver.pMax >= 5;
    const frames = this.#frames;
    if (frames) {
      for (let i = 0; i < parts.length; i += Limits.compoundMaxParts) {
        const chunk = parts.length <= Limits.compoundMaxParts ? parts : parts.slice(i, i + Limits.compoundMaxParts);
        let length = chunk.length === 1 ? 0 : COMPOUND_HEADER_OVERHEAD + COMPOUND_PART_OVERHEAD * chunk.length;
        for (const p of chunk) length += p.messageLength;
        if (crc) length += CRC_OVERHEAD;
        length += this.envelopeOverhead;
        frames.writeFrame({ messages: chunk.map((p) => p.msg), length }, to);
        ctx.metrics.incrCounter('memberlist.udp.sent', length, ctx.labels);
      }
      return;
    }
    const messages = new Array<Uint8Array>(parts.length);
    for (let i = 0; i < parts.length; i++) messages[i] = parts[i]!.message();
    if (messages.length <= Limits.compoundMaxParts) {
      this.#write(encodePacket(messages, this.#packetOptions(crc)), to);
      return;
    }
    for (const buf of encodePackets(messages, this.#packetOptions(crc))) this.#write(buf, to);
  }

  /** The packet encoder's options, built once per CRC choice (the security settings do not change). */
  #packetOptions(crc: boolean): EncodePacketOptions {
    const i = crc ? 1 : 0;
    return (this.#options[i] ??= { ...this.#ctx.security, compress: this.#ctx.config.enableCompression, crc });
  }

  /** Frames a complete stream message: compression, encryption, and the label when we dialled. */
  streamBytes(message: Uint8Array, dialer: boolean): Uint8Array {
    const ctx = this.#ctx;
    return encodeStream(message, { ...ctx.security, compress: ctx.config.enableCompression, writeLabelHeader: dialer });
  }

  #write(buf: Uint8Array, to: Address): void {
    const ctx = this.#ctx;
    try {
      ctx.transport.writeToAddress(buf, to);
    } catch (e) {
      if (e instanceof TransportError) throw e;
      throw new TransportError(`write to ${to.addr} failed: ${(e as Error).message}`, true, { cause: e });
    }
    ctx.metrics.incrCounter('memberlist.udp.sent', buf.length, ctx.labels);
  }

  /** Go looks the receiver up by the address's host in a name-keyed map, which only hits when names are IPs. */
  #nodeByHost(addr: string): NodeInfo | undefined {
    let host = this.#hosts.get(addr);
    if (host === undefined && !this.#hosts.has(addr)) {
      host = splitHostPort(addr)?.host;
      if (this.#hosts.size >= MAX_CACHED_HOSTS) this.#hosts.clear();
      this.#hosts.set(addr, host);
    }
    if (host === undefined) return undefined;
    const t = this.#ctx.state.table;
    const i = t.indexOf(host);
    return i < 0 ? undefined : t.info(i);
  }
}

/** "host:port" of our advertised address. */
export function advertisedAddress(ctx: EngineContext): string {
  const { addr, port } = ctx.advertise;
  const host = formatIP(addr);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
