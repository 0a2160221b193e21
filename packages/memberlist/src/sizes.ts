import { utf8Length } from '@shoal/kit';
import type { Alive, Dead, PacketMessage, PushNodeState, Suspect } from './wire/messages.js';
import { MessageType } from './wire/types.js';

// Encoded lengths of messages, `[type][msgpack]`, computed without encoding:
// the broadcast queue orders by length, and the simulator's frame mode never
// builds the bytes. They equal what wire's encoders write (go-msgpack 0.5.5
// widths); sizes.test.ts checks that on random messages.

function uintLen(v: number): number {
  return v < 0x80 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : 5;
}

function rawLen(n: number): number {
  return n < 32 ? 1 + n : n < 0x10000 ? 3 + n : 5 + n;
}

function bytesLen(b: Uint8Array | undefined): number {
  return b === undefined ? 1 : rawLen(b.length);
}

function strLen(s: string): number {
  return rawLen(utf8Length(s));
}

// Each fixed part: type byte + fixmap header + the fixstr keys.
const ALIVE_FIXED = 1 + 1 + 5 + 12 + 5 + 5 + 5 + 4; // Addr Incarnation Meta Node Port Vsn
const SUSPECT_FIXED = 1 + 1 + 5 + 12 + 5; // From Incarnation Node
const PING_FIXED = 1 + 1 + 5 + 6; // Node SeqNo (+ the optional Source* keys, 11 each)
const INDIRECT_FIXED = 1 + 1 + 5 + 5 + 5 + 6 + 7; // Nack Node Port SeqNo Target (+ Source*)
const ACK_FIXED = 1 + 1 + 8 + 6; // Payload SeqNo
const NACK_FIXED = 1 + 1 + 6;
const PUSH_NODE_FIXED = 1 + 5 + 12 + 5 + 5 + 5 + 6 + 4; // map + Addr Incarnation Meta Name Port State Vsn

export function aliveLength(a: Alive): number {
  return ALIVE_FIXED + uintLen(a.incarnation) + bytesLen(a.addr) + bytesLen(a.meta) + strLen(a.node) + uintLen(a.port) + bytesLen(a.vsn);
}

export function suspectLength(s: Suspect | Dead): number {
  return SUSPECT_FIXED + strLen(s.from) + uintLen(s.incarnation) + strLen(s.node);
}

function sourceLen(addr: Uint8Array | undefined, port: number | undefined, node: string | undefined): number {
  let n = 0;
  if (addr !== undefined && addr.length > 0) n += 11 + rawLen(addr.length);
  if (port !== undefined && port !== 0) n += 11 + uintLen(port);
  if (node !== undefined && node !== '') n += 11 + strLen(node);
  return n;
}

/** `[type][body]` length of any packet message. */
export function messageLength(m: PacketMessage): number {
  switch (m.type) {
    case MessageType.Alive:
      return aliveLength(m.body);
    case MessageType.Suspect:
    case MessageType.Dead:
      return suspectLength(m.body);
    case MessageType.Ping: {
      const b = m.body;
      return PING_FIXED + strLen(b.node) + uintLen(b.seqNo) + sourceLen(b.sourceAddr, b.sourcePort, b.sourceNode);
    }
    case MessageType.IndirectPing: {
      const b = m.body;
      return INDIRECT_FIXED + 1 + strLen(b.node) + uintLen(b.port) + uintLen(b.seqNo) + bytesLen(b.target) + sourceLen(b.sourceAddr, b.sourcePort, b.sourceNode);
    }
    case MessageType.AckResp:
      return ACK_FIXED + bytesLen(m.body.payload) + uintLen(m.body.seqNo);
    case MessageType.NackResp:
      return NACK_FIXED + uintLen(m.body.seqNo);
    case MessageType.User:
      return 1 + m.payload.length;
    case MessageType.Err:
      return 1 + 1 + 6 + strLen(m.body.error);
  }
}

/** Length of one pushNodeState value (no type byte). */
export function pushNodeStateLength(n: PushNodeState): number {
  return PUSH_NODE_FIXED + bytesLen(n.addr) + uintLen(n.incarnation) + bytesLen(n.meta) + strLen(n.name) + uintLen(n.port) + uintLen(n.state) + bytesLen(n.vsn);
}
