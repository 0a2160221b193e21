import type { PacketSocket, SimNetwork, SimNode } from '@shoal/sim';
import { parseIP } from '../address.js';
import { encodeMessage, type PacketMessage } from '../wire/messages.js';
import { decodePacket, encodePacket, type EncodePacketOptions, type WireSecurity } from '../wire/packet.js';

/** A packet a RawPeer received, decoded. */
export interface RawReceived {
  readonly from: string;
  readonly at: number;
  readonly bytes: Uint8Array;
  readonly messages: PacketMessage[];
  readonly crc: boolean;
}

/**
 * A hand-driven peer on the simulated network: sends crafted packets to a
 * memberlist and records what comes back. For protocol tests (Go's
 * net_test.go) and for poking at a cluster from outside.
 */
export class RawPeer {
  readonly node: SimNode;
  readonly port: number;
  readonly socket: PacketSocket;
  readonly received: RawReceived[] = [];
  readonly #security: WireSecurity;

  constructor(network: SimNetwork, port = 7946, security: WireSecurity = {}) {
    this.node = network.addNode();
    this.port = port;
    this.#security = security;
    this.socket = this.node.bindPacket(port, (p) => {
      let messages: PacketMessage[] = [];
      let crc = false;
      try {
        const d = decodePacket(p.data, this.#security);
        messages = d.messages;
        crc = d.crc;
      } catch {
        // kept with no messages: tests look at the bytes
      }
      this.received.push({ from: p.from, at: p.timestamp, bytes: p.data, messages, crc });
    });
  }

  get address(): string {
    return this.node.address(this.port);
  }

  get ip(): Uint8Array {
    return parseIP(this.node.host)!;
  }

  /** Sends messages as one packet (compound when several). */
  send(to: string, msgs: PacketMessage | PacketMessage[], options: EncodePacketOptions = {}): void {
    const list = Array.isArray(msgs) ? msgs : [msgs];
    this.sendBytes(to, encodePacket(list.map(encodeMessage), { ...this.#security, ...options }));
  }

  sendBytes(to: string, bytes: Uint8Array): void {
    this.socket.send(bytes, to);
  }

  /** Every received message of one type, in arrival order. */
  messagesOf<T extends PacketMessage['type']>(type: T): Extract<PacketMessage, { type: T }>[] {
    return this.received.flatMap((r) => r.messages).filter((m): m is Extract<PacketMessage, { type: T }> => m.type === type);
  }
}
