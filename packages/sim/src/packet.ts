/**
 * Datagrams: best effort, unordered, may be lost, duplicated or reordered by
 * the link. A datagram in flight arrives at whatever socket is bound to its
 * port when it lands (as with UDP, a restarted process can receive packets
 * sent to its predecessor).
 */
import { copyToSlab } from './copy-bytes.js';
import { SimNetworkError } from './errors.js';
import type { SimNode } from './node.js';
import { TraceKind } from './trace.js';

/** A received datagram. `timestamp` is the virtual Clock time (ms) at which it arrived at the host. */
export interface Packet {
  readonly data: Uint8Array;
  /** Sender address "host:port". */
  readonly from: string;
  readonly timestamp: number;
}

export type PacketHandler = (packet: Packet) => void;

/** A datagram on its way; handed to the receiver as its Packet (saves an allocation per delivery). */
interface InFlight extends Packet {
  readonly src: SimNode;
  readonly dst: SimNode;
  readonly port: number;
  /** Arrival time at the host; -1 while in flight. */
  timestamp: number;
  incarnation: number;
}

const DROP_LOST = 1;
const DROP_PARTITIONED = 2;
const DROP_NODE_DOWN = 3;
const DROP_NO_SOCKET = 4;
const DROP_UNKNOWN_HOST = 5;

export class PacketSocket {
  readonly node: SimNode;
  readonly port: number;
  /** This socket's address, "host:port". */
  readonly address: string;
  #onPacket: PacketHandler;
  #closed = false;
  readonly #unbind: () => void;

  constructor(node: SimNode, port: number, onPacket: PacketHandler, unbind: () => void) {
    this.node = node;
    this.port = port;
    this.address = node.address(port);
    this.#onPacket = onPacket;
    this.#unbind = unbind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a datagram to "host:port" and returns the send time (Clock ms).
   * The bytes are copied, so the caller may reuse its buffer. Throws EBADF on
   * a closed socket and EMSGSIZE above the network's datagram limit;
   * unreachable destinations drop silently, as UDP does.
   */
  send(data: Uint8Array, to: string): number {
    const src = this.node;
    const net = src.network;
    const sim = net.sim;
    if (this.#closed) throw new SimNetworkError('EBADF', `packet socket ${this.address} is closed`);
    if (data.length > net.maxDatagramBytes) {
      throw new SimNetworkError('EMSGSIZE', `datagram of ${data.length} bytes exceeds ${net.maxDatagramBytes}`);
    }
    const now = sim.now();
    src.stats.packetsSent++;
    src.stats.packetBytesSent += data.length;
    net.stats.packetsSent++;
    const target = net.resolve(to);
    if (target === undefined) {
      drop(src, undefined, data, DROP_UNKNOWN_HOST);
      return now;
    }
    const dst = target.node;
    if (!net.reachable(src, dst)) {
      drop(src, dst, data, DROP_PARTITIONED);
      return now;
    }
    const link = net.link(src, dst);
    const random = net.random;
    if (link.loss > 0 && random.chance(link.loss)) {
      drop(src, dst, data, DROP_LOST);
      return now;
    }
    const copies = link.duplicate > 0 && random.chance(link.duplicate) ? 2 : 1;
    if (copies === 2) net.stats.packetsDuplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = link.latency.sample(random);
      if (link.bytesPerMs !== Infinity) delay += data.length / link.bytesPerMs;
      if (link.reorder > 0 && random.chance(link.reorder)) {
        delay += link.reorderDelay.sample(random);
        net.stats.packetsReordered++;
      }
      const packet: InFlight = {
        src,
        from: this.address,
        dst,
        port: target.port,
        data: copyToSlab(data),
        timestamp: -1,
        incarnation: dst.incarnation,
      };
      sim.scheduleAt(now + delay, arrive, packet);
    }
    return now;
  }

  /** Closes the socket; datagrams arriving later are dropped. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unbind();
  }

  /** Hands a datagram to the handler (called at delivery time). */
  deliver(packet: Packet): void {
    this.#onPacket(packet);
  }
}

function drop(src: SimNode, dst: SimNode | undefined, data: Uint8Array, reason: number): void {
  const net = src.network;
  const dropped = net.stats.dropped;
  switch (reason) {
    case DROP_LOST: dropped.lost++; break;
    case DROP_PARTITIONED: dropped.partitioned++; break;
    case DROP_NODE_DOWN: dropped.nodeDown++; break;
    case DROP_NO_SOCKET: dropped.noSocket++; break;
    default: dropped.unknownHost++;
  }
  const trace = net.sim.trace;
  trace.begin(TraceKind.packetDropped);
  trace.float(net.sim.now());
  trace.word(reason);
  trace.word(src.id);
  trace.word(dst === undefined ? -1 : dst.id);
  trace.bytes(data);
}

/** The datagram reaches its host: drop it, hand it over, or queue it behind a slow node's handling delay. */
function arrive(packet: InFlight): void {
  const dst = packet.dst;
  if (packet.timestamp < 0) {
    if (!dst.alive) return drop(packet.src, dst, packet.data, DROP_NODE_DOWN);
    packet.timestamp = dst.network.sim.now();
    packet.incarnation = dst.incarnation;
    const handoff = dst.handoffTime();
    if (handoff > packet.timestamp) return dst.network.sim.scheduleAt(handoff, arrive, packet);
  } else if (!dst.alive || dst.incarnation !== packet.incarnation) {
    return drop(packet.src, dst, packet.data, DROP_NODE_DOWN);
  }
  const socket = dst.packetSocket(packet.port);
  if (socket === undefined) return drop(packet.src, dst, packet.data, DROP_NO_SOCKET);
  const net = dst.network;
  net.stats.packetsDelivered++;
  dst.stats.packetsReceived++;
  dst.stats.packetBytesReceived += packet.data.length;
  const trace = net.sim.trace;
  trace.begin(TraceKind.packetDelivered);
  trace.float(net.sim.now());
  trace.word(packet.src.id);
  trace.word(dst.id);
  trace.word(packet.port);
  trace.bytes(packet.data);
  socket.deliver(packet);
}
