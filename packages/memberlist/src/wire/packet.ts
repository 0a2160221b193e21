import { fromUtf8, utf8 } from '@shoal/kit';
import { defaultNonceSource } from './nonce.js';
import { compressIfSmaller, decompressMsgBody } from './compress.js';
import { decodeCompound, encodeCompound } from './compound.js';
import { hasCrc, unwrapCrc, wrapCrc } from './crc.js';
import { WireError, WireErrorCode } from './errors.js';
import type { Keyring } from './keyring.js';
import { addLabelHeaderToPacket, checkInboundLabel, removeLabelHeaderFromPacket } from './label.js';
import { Limits } from './limits.js';
import { decodeStructMessage, isStructMessageType, type PacketMessage } from './messages.js';
import { decryptPayload, encryptPayload, type EncryptionVersion, type RandomBytes } from './security.js';
import { MessageType } from './types.js';

// The UDP pipeline (spec §5). Send: parts → compound → compress if smaller →
// CRC → encrypt → label. Receive: label → decrypt → CRC → recursive unwrap of
// compress/compound into a flat list of messages.

/** The security settings both directions share (memberlist Config's fields of the same names). */
export interface WireSecurity {
  /** Encryption is on when the keyring has a key. */
  readonly keyring?: Keyring | undefined;
  /** 1 unless the node speaks protocol version 1 (then 0). */
  readonly encryptionVersion?: EncryptionVersion;
  /** Encrypt what we send (default true). */
  readonly gossipVerifyOutgoing?: boolean;
  /** Reject input that does not decrypt (default true). */
  readonly gossipVerifyIncoming?: boolean;
  /** Config.Label; '' for none. */
  readonly label?: string;
  readonly skipInboundLabelCheck?: boolean;
  /** Nonce source; defaults to the OS CSPRNG. */
  readonly randomBytes?: RandomBytes;
}

export interface EncodePacketOptions extends WireSecurity {
  /** EnableCompression: compress, and keep the result only if strictly smaller. */
  readonly compress?: boolean;
  /** Add the CRC wrapper (Go does for receivers with protocol max ≥ 5). */
  readonly crc?: boolean;
}

const NO_LABEL = new Uint8Array(0);

export function encryptsOutgoing(s: WireSecurity): boolean {
  return (s.keyring?.enabled ?? false) && s.gossipVerifyOutgoing !== false;
}

/**
 * Encodes one UDP packet from already-encoded messages (`[type][body]` each):
 * one message is sent bare, several as a compound (at most 255; see
 * {@link encodePackets} to split longer lists).
 */
export function encodePacket(parts: Uint8Array | readonly Uint8Array[], options: EncodePacketOptions = {}): Uint8Array {
  const list = parts instanceof Uint8Array ? [parts] : parts;
  if (list.length === 0) throw new WireError(WireErrorCode.EmptyPacket, 'a packet needs at least one message');
  let msg = list.length === 1 ? list[0]! : encodeCompound(list);
  if (options.compress) msg = compressIfSmaller(msg) ?? msg;
  if (options.crc) msg = wrapCrc(msg);
  const label = options.label ?? '';
  if (encryptsOutgoing(options)) {
    const key = options.keyring!.keysForDecrypt()[0]!; // the primary, without a defensive copy
    const aad = label === '' ? NO_LABEL : utf8(label);
    msg = encryptPayload(options.encryptionVersion ?? 1, key, msg, aad, options.randomBytes ?? defaultNonceSource);
  }
  return addLabelHeaderToPacket(msg, label);
}

/** Like {@link encodePacket}, splitting more than 255 messages over several packets. */
export function encodePackets(parts: readonly Uint8Array[], options: EncodePacketOptions = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += Limits.compoundMaxParts) {
    out.push(encodePacket(parts.slice(i, i + Limits.compoundMaxParts), options));
  }
  return out;
}

export interface UnwrappedPacket {
  /** The message (possibly compound or compressed) under label, encryption and CRC. */
  readonly payload: Uint8Array;
  readonly label: string;
  readonly encrypted: boolean;
  readonly crc: boolean;
}

/**
 * ingestPacket's envelope steps: label (with the inbound policy), decryption
 * (every key, primary first; with verify-incoming off, undecryptable input is
 * taken as plaintext), then the CRC when present. Throws a WireError when the
 * packet must be dropped.
 */
export function unwrapPacket(packet: Uint8Array, options: WireSecurity = {}): UnwrappedPacket {
  const { labelBytes, rest } = removeLabelHeaderFromPacket(packet);
  const aad = checkInboundLabel(labelBytes, options.label ?? '', options.skipInboundLabelCheck);
  let buf = rest;
  let encrypted = false;
  if (options.keyring?.enabled) {
    try {
      buf = decryptPayload(options.keyring.keysForDecrypt(), rest, aad);
      encrypted = true;
    } catch (e) {
      if (options.gossipVerifyIncoming !== false) {
        if (e instanceof WireError && e.code === WireErrorCode.Decrypt) throw e;
        throw new WireError(WireErrorCode.NotEncrypted, `packet is not encrypted (${(e as Error).message})`, { cause: e });
      }
    }
  }
  const crc = hasCrc(buf);
  if (crc) buf = unwrapCrc(buf);
  if (buf.length === 0) throw new WireError(WireErrorCode.EmptyPacket, 'packet has no message');
  return { payload: buf, label: aad.length === 0 ? '' : fromUtf8(aad), encrypted, crc };
}

export interface DecodedMessages {
  /** Leaf messages in wire order, compounds and compression unwrapped. */
  readonly messages: PacketMessage[];
  /** One entry per message that could not be decoded (the others are still returned). */
  readonly errors: WireError[];
  /** Compound parts lost to truncation (Go logs and counts these). */
  readonly truncatedParts: number;
}

export type DecodedPacket = DecodedMessages & Omit<UnwrappedPacket, 'payload'>;

/** The whole receive path: {@link unwrapPacket} then {@link decodeMessages}. */
export function decodePacket(packet: Uint8Array, options: WireSecurity = {}): DecodedPacket {
  const { payload, label, encrypted, crc } = unwrapPacket(packet, options);
  const { messages, errors, truncatedParts } = decodeMessages(payload);
  return { messages, errors, truncatedParts, label, encrypted, crc };
}

/**
 * handleCommand's dispatch, minus the handlers: flattens compound and compress
 * recursively. Decompression shares one output budget across the packet
 * (64 KiB by default, the largest packet the protocol builds), so a compound of
 * compression bombs costs no more than one small one.
 */
export function decodeMessages(buf: Uint8Array, maxDecompressedBytes: number = Limits.packetDecompressedMaxBytes): DecodedMessages {
  const out = { messages: [] as PacketMessage[], errors: [] as WireError[], truncatedParts: 0 };
  const budget = { left: maxDecompressedBytes };
  visit(buf, 0, out, budget);
  return out;
}

function visit(
  buf: Uint8Array,
  depth: number,
  out: { messages: PacketMessage[]; errors: WireError[]; truncatedParts: number },
  budget: { left: number },
): void {
  try {
    if (depth > Limits.maxNesting) throw new WireError(WireErrorCode.NestingTooDeep, `messages nested more than ${Limits.maxNesting} deep`);
    if (buf.length === 0) throw new WireError(WireErrorCode.EmptyPacket, 'missing message type byte');
    const type = buf[0]!;
    const body = buf.subarray(1);
    if (type === MessageType.Compound) {
      const { parts, truncated } = decodeCompound(body);
      out.truncatedParts += truncated;
      if (truncated > 0) {
        out.errors.push(new WireError(WireErrorCode.CompoundTruncated, `compound: ${truncated} truncated part(s)`));
      }
      for (const part of parts) visit(part, depth + 1, out, budget);
    } else if (type === MessageType.Compress) {
      const payload = decompressMsgBody(body, budget.left);
      budget.left -= payload.length;
      visit(payload, depth + 1, out, budget);
    } else if (type === MessageType.User) {
      out.messages.push({ type, payload: body.slice() });
    } else if (isStructMessageType(type) && type !== MessageType.Err) {
      out.messages.push(decodeStructMessage(type, body));
    } else if (type <= MessageType.Err) {
      throw new WireError(WireErrorCode.UnexpectedType, `message type ${type} is not valid inside a packet`);
    } else {
      throw new WireError(WireErrorCode.UnknownType, `unknown message type ${type}`);
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    out.errors.push(e);
  }
}
