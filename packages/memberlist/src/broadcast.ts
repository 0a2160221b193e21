import type { Broadcast } from './queue.js';
import { encodeMessage, type PacketMessage } from './wire/messages.js';

/**
 * One of memberlist's own gossip messages in the broadcast queue (Go's
 * memberlistBroadcast). Named by the node it is about, so news about a node
 * replaces older news about it. The bytes are built on first use: the
 * simulator's fast path sends the message object and never needs them.
 */
export class SystemBroadcast implements Broadcast {
  readonly name: string;
  readonly msg: PacketMessage;
  readonly messageLength: number;
  readonly transmitFactor: number;
  #bytes: Uint8Array | undefined;
  #notify: (() => void) | undefined;

  constructor(name: string, msg: PacketMessage, messageLength: number, notify?: () => void, transmitFactor = 1) {
    this.name = name;
    this.msg = msg;
    this.messageLength = messageLength;
    this.transmitFactor = transmitFactor;
    this.#notify = notify;
  }

  invalidates(other: Broadcast): boolean {
    return other instanceof SystemBroadcast && other.name === this.name;
  }

  message(): Uint8Array {
    return (this.#bytes ??= encodeMessage(this.msg));
  }

  /** Signals the waiter, if any (leave and updateNode wait for their broadcast to go out). */
  finished(): void {
    const notify = this.#notify;
    this.#notify = undefined;
    notify?.();
  }
}
