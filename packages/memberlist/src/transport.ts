import type { Address } from './address.js';
import type { PacketMessage } from './wire/messages.js';
import type { StreamMessage } from './wire/stream.js';

export type { Address } from './address.js';

/** One datagram received (Go's Packet). */
export interface Packet {
  /** The raw contents; the list may keep it. */
  readonly buf: Uint8Array;
  /** The sender's "host:port". */
  readonly from: string;
  /** Receive time on the list's clock (ms), taken as close to arrival as possible: probes use it for RTTs. */
  readonly timestampMs: number;
}

/**
 * A reliable, ordered byte stream (Go's net.Conn as memberlist uses it: one
 * request and at most one reply, then close).
 */
export interface StreamConn {
  /** The peer's "host:port". */
  readonly remoteAddr: string;
  /** Queues bytes for sending, in order. Throws a TransportError when the stream is closed. */
  write(data: Uint8Array): void;
  /**
   * The next chunk received: resolves null at the peer's end of stream, and
   * rejects with a TransportError when the connection fails or is closed locally.
   */
  read(): Promise<Uint8Array | null>;
  /** Closes both directions; pending and later reads reject. Safe to call twice. */
  close(): void;
  /** Frame mode only (see {@link FrameTransport}): sends a message object; `length` is its encoded size. */
  writeMessage?(msg: StreamMessage, length: number): void;
  /** Frame mode only: the next message object; null at end of stream. */
  readMessage?(): Promise<StreamMessage | null>;
}

/**
 * Receives what a transport brings in. Go exposes these as channels
 * (PacketCh, StreamCh); here the transport calls the list directly, which
 * keeps the packet path free of per-packet promises and in arrival order.
 */
export interface TransportHandler {
  packet(packet: Packet): void;
  stream(conn: StreamConn): void;
  /** Frame mode only: a packet whose messages travel as objects. */
  frame?(frame: Frame, from: string, timestampMs: number): void;
}

/** A packet as message objects: what frame mode sends instead of bytes. */
export interface Frame {
  readonly messages: readonly PacketMessage[];
  /** Bytes the packet would take on the wire, before compression. */
  readonly length: number;
}

/**
 * The simulator's fast path (MockNetwork with `frames: true`): packets and
 * stream messages travel as objects, so large simulations skip encoding,
 * compression and decoding. Everything above the codec runs unchanged; the
 * codec itself is exercised by the default byte mode and by the wire tests.
 * Message objects are shared between sender and receivers and never mutated.
 */
export interface FrameTransport extends NodeAwareTransport {
  readonly carriesFrames: boolean;
  writeFrame(frame: Frame, to: Address): number;
}

export function carriesFrames(t: Transport): t is FrameTransport {
  return (t as Partial<FrameTransport>).carriesFrames === true && typeof (t as Partial<FrameTransport>).writeFrame === 'function';
}

/** What an advertise address resolves to (Go's FinalAdvertiseAddr result). */
export interface AdvertiseAddress {
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly ip: Uint8Array;
  readonly port: number;
}

/**
 * How memberlist talks to peers (Go's Transport): a best-effort packet
 * interface and a reliable stream interface. Implementations: the
 * simulator's MockTransport here, NetTransport (UDP + TCP) elsewhere.
 */
export interface Transport {
  /** Given the configured advertise address and port (possibly ''/0), the ones to advertise. Throws if there is none. */
  finalAdvertiseAddr(ip: string, port: number): AdvertiseAddress;
  /**
   * Sends one datagram to "host:port" and returns the send time (ms, on the
   * list's clock). Throws a TransportError on a local failure.
   */
  writeTo(buf: Uint8Array, addr: string): number;
  /** Opens a stream to "host:port"; rejects with a TransportError after `timeoutMs`. */
  dialTimeout(addr: string, timeoutMs: number): Promise<StreamConn>;
  /** Starts delivering inbound packets and streams to `handler`. Called once, by create(). */
  listen(handler: TransportHandler): void;
  /** Stops listening and releases resources. */
  shutdown(): Promise<void>;
}

/** A transport that can route by node name as well as address (Go's NodeAwareTransport). */
export interface NodeAwareTransport extends Transport {
  writeToAddress(buf: Uint8Array, addr: Address): number;
  dialAddressTimeout(addr: Address, timeoutMs: number): Promise<StreamConn>;
}

export function isNodeAware(t: Transport): t is NodeAwareTransport {
  return typeof (t as Partial<NodeAwareTransport>).writeToAddress === 'function' && typeof (t as Partial<NodeAwareTransport>).dialAddressTimeout === 'function';
}

/** Wraps a plain Transport so the list can always address by name (Go's shimNodeAwareTransport). */
export function nodeAware(t: Transport): NodeAwareTransport {
  if (isNodeAware(t) || carriesFrames(t)) return t as NodeAwareTransport;
  return {
    finalAdvertiseAddr: (ip, port) => t.finalAdvertiseAddr(ip, port),
    writeTo: (buf, addr) => t.writeTo(buf, addr),
    dialTimeout: (addr, ms) => t.dialTimeout(addr, ms),
    listen: (h) => t.listen(h),
    shutdown: () => t.shutdown(),
    writeToAddress: (buf, a) => t.writeTo(buf, a.addr),
    dialAddressTimeout: (a, ms) => t.dialTimeout(a.addr, ms),
  };
}
