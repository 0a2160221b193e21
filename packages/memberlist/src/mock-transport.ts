import { TraceKind, type PacketSocket, type SimListener, type SimNetwork, type SimNode, type SimStream } from '@shoal/sim';
import { parseIP, splitHostPort, type Address } from './address.js';
import { TransportError } from './errors.js';
import type { AdvertiseAddress, Frame, FrameTransport, StreamConn, TransportHandler } from './transport.js';
import type { StreamMessage } from './wire/stream.js';

/** The port every mock transport listens on (memberlist's default). */
export const MOCK_PORT = 7946;

export interface MockNetworkOptions {
  /**
   * Frame mode: packets and stream messages travel as objects (see
   * FrameTransport), with the same latency, loss, duplication, partitions,
   * crashes and slow-node delays as bytes. Byte counts are the uncompressed
   * wire sizes. Default false: real bytes through the whole codec.
   */
  frames?: boolean;
}

/**
 * Transports wired to each other over the simulator (Go's MockNetwork), so
 * whole clusters run in virtual time with latency, loss, partitions, crashes
 * and slow nodes. Each transport is one simulated host ("10.0.0.N").
 */
export class MockNetwork {
  readonly network: SimNetwork;
  readonly frames: boolean;
  readonly #byName = new Map<string, MockTransport>();
  /** Frame mode: the listening transport of each simulated host (by host id), and stream messages in flight by "from|to". */
  readonly byHost: (MockTransport | undefined)[] = [];
  readonly streamMessages = new Map<string, StreamMessage[]>();

  constructor(network: SimNetwork, options: MockNetworkOptions = {}) {
    this.network = network;
    this.frames = options.frames ?? false;
  }

  /** A transport on a new host (Go's NewTransport); `name` lets others address it by node name. */
  newTransport(name: string, node: SimNode = this.network.addNode()): MockTransport {
    const t = new MockTransport(node, MOCK_PORT, this);
    this.#byName.set(name, t);
    return t;
  }

  /** The transport registered under a node name. */
  byName(name: string): MockTransport | undefined {
    return this.#byName.get(name);
  }
}

interface FrameInFlight {
  readonly frame: Frame;
  readonly from: string;
  readonly src: SimNode;
  readonly dst: SimNode;
  readonly port: number;
  readonly net: MockNetwork;
  /** Arrival time; -1 while in flight. */
  at: number;
  incarnation: number;
}

/** A NodeAwareTransport on one simulated host (Go's MockTransport). */
export class MockTransport implements FrameTransport {
  readonly node: SimNode;
  readonly port: number;
  readonly carriesFrames: boolean;
  readonly #net: MockNetwork;
  #socket: PacketSocket | undefined;
  #listener: SimListener | undefined;
  /** Frame mode: the handler, while listening. */
  handler: TransportHandler | undefined;

  constructor(node: SimNode, port: number, net: MockNetwork) {
    this.node = node;
    this.port = port;
    this.#net = net;
    this.carriesFrames = net.frames;
  }

  /** "host:port" of this transport. */
  get address(): string {
    return this.node.address(this.port);
  }

  finalAdvertiseAddr(): AdvertiseAddress {
    const ip = parseIP(this.node.host);
    if (!ip) throw new TransportError(`simulated host ${this.node.host} is not an IP address`, false);
    return { ip, port: this.port };
  }

  listen(handler: TransportHandler): void {
    this.handler = handler;
    this.#socket = this.node.bindPacket(this.port, (p) => handler.packet({ buf: p.data, from: p.from, timestampMs: p.timestamp }));
    this.#listener = this.node.listen(this.port, (stream) => handler.stream(new MockStream(stream, this.#net)));
    if (this.carriesFrames) this.#net.byHost[this.node.id] = this;
  }

  writeTo(buf: Uint8Array, addr: string): number {
    const socket = this.#socket;
    if (!socket) throw new TransportError('mock transport is not listening', false);
    requireIpPort(this.node.network, addr);
    try {
      return socket.send(buf, addr);
    } catch (e) {
      throw new TransportError(`send to ${addr}: ${(e as Error).message}`, false, { cause: e });
    }
  }

  writeToAddress(buf: Uint8Array, a: Address): number {
    return this.writeTo(buf, this.#route(a));
  }

  /** Frame mode: a packet as objects, with the link behaviour of the simulated network. */
  writeFrame(frame: Frame, a: Address): number {
    const socket = this.#socket;
    if (!socket || socket.closed) throw new TransportError('mock transport is not listening', false);
    const to = this.#route(a);
    requireIpPort(this.node.network, to);
    const src = this.node;
    const net = src.network;
    const sim = net.sim;
    const now = sim.now();
    src.stats.packetsSent++;
    src.stats.packetBytesSent += frame.length;
    net.stats.packetsSent++;
    const target = net.resolve(to);
    if (target === undefined) return now;
    const dst = target.node;
    if (!net.reachable(src, dst)) {
      net.stats.dropped.partitioned++;
      return now;
    }
    const link = net.link(src, dst);
    const random = net.random;
    if (link.loss > 0 && random.chance(link.loss)) {
      net.stats.dropped.lost++;
      return now;
    }
    const copies = link.duplicate > 0 && random.chance(link.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = link.latency.sample(random);
      if (link.bytesPerMs !== Infinity) delay += frame.length / link.bytesPerMs;
      if (link.reorder > 0 && random.chance(link.reorder)) delay += link.reorderDelay.sample(random);
      const f: FrameInFlight = { frame, from: socket.address, src, dst, port: target.port, net: this.#net, at: -1, incarnation: dst.incarnation };
      sim.scheduleAt(now + delay, arriveFrame, f);
    }
    return now;
  }

  async dialTimeout(addr: string, timeoutMs: number): Promise<StreamConn> {
    try {
      return new MockStream(await this.node.dial(addr, { timeoutMs }), this.#net);
    } catch (e) {
      throw new TransportError(`dial ${addr}: ${(e as Error).message}`, true, { cause: e });
    }
  }

  dialAddressTimeout(a: Address, timeoutMs: number): Promise<StreamConn> {
    return this.dialTimeout(this.#route(a), timeoutMs);
  }

  async shutdown(): Promise<void> {
    this.#socket?.close();
    this.#listener?.close();
    if (this.#net.byHost[this.node.id] === this) this.#net.byHost[this.node.id] = undefined;
    this.handler = undefined;
  }

  /** Go routes by name when one is given; here the address wins unless only the name is known. */
  #route(a: Address): string {
    if (a.addr !== '') return a.addr;
    const t = this.#net.byName(a.name);
    if (!t) throw new TransportError(`no route to ${a.name}`, true);
    return t.address;
  }
}

/**
 * As NetTransport does, a datagram to something that is not "ip:port" (a
 * member gossiped with an empty or malformed address) fails locally instead
 * of vanishing like one to an absent host, so the simulator probes such
 * members the way a real network does.
 */
function requireIpPort(network: SimNetwork, addr: string): void {
  let known: boolean;
  try {
    known = network.resolve(addr) !== undefined;
  } catch {
    known = false;
  }
  if (known) return;
  const hp = splitHostPort(addr);
  if (hp === undefined || parseIP(hp.host) === undefined) throw new TransportError(`cannot send to '${addr}': not an ip:port address`, false);
}

/** A frame reaches its host: dropped if the host is down, delayed on a slow host, else handed over. */
function arriveFrame(f: FrameInFlight): void {
  const dst = f.dst;
  const sim = dst.network.sim;
  if (f.at < 0) {
    if (!dst.alive) {
      dst.network.stats.dropped.nodeDown++;
      return;
    }
    f.at = sim.now();
    f.incarnation = dst.incarnation;
    const handoff = dst.handoffTime();
    if (handoff > f.at) return sim.scheduleAt(handoff, arriveFrame, f);
  } else if (!dst.alive || dst.incarnation !== f.incarnation) {
    dst.network.stats.dropped.nodeDown++;
    return;
  }
  const t = f.net.byHost[dst.id];
  const handler = t !== undefined && t.port === f.port ? t.handler : undefined;
  if (handler?.frame === undefined) {
    dst.network.stats.dropped.noSocket++;
    return;
  }
  dst.network.stats.packetsDelivered++;
  dst.stats.packetsReceived++;
  dst.stats.packetBytesReceived += f.frame.length;
  const trace = sim.trace;
  trace.begin(TraceKind.packetDelivered);
  trace.float(sim.now());
  trace.word(f.src.id);
  trace.word(dst.id);
  trace.word(f.frame.length);
  trace.word(f.frame.messages.length);
  handler.frame(f.frame, f.from, f.at);
}

const TOKEN = Uint8Array.of(0xfe);

/** A simulated stream as a StreamConn; in frame mode each message object rides on a one-byte token. */
class MockStream implements StreamConn {
  readonly #s: SimStream;
  readonly #net: MockNetwork;
  #tokens = 0;

  constructor(s: SimStream, net: MockNetwork) {
    this.#s = s;
    this.#net = net;
    if (net.frames) {
      this.writeMessage = this.#writeMessage;
      this.readMessage = this.#readMessage;
    }
  }

  writeMessage?: (msg: StreamMessage, length: number) => void;
  readMessage?: () => Promise<StreamMessage | null>;

  get remoteAddr(): string {
    return this.#s.remoteAddress;
  }

  write(data: Uint8Array): void {
    try {
      this.#s.write(data);
    } catch (e) {
      throw new TransportError(`write to ${this.#s.remoteAddress}: ${(e as Error).message}`, true, { cause: e });
    }
  }

  async read(): Promise<Uint8Array | null> {
    try {
      return await this.#s.read();
    } catch (e) {
      throw new TransportError(`read from ${this.#s.remoteAddress}: ${(e as Error).message}`, true, { cause: e });
    }
  }

  close(): void {
    this.#s.close();
    if (this.#net.frames) this.#net.streamMessages.delete(`${this.#s.remoteAddress}|${this.#s.localAddress}`);
  }

  #writeMessage(msg: StreamMessage, length: number): void {
    const key = `${this.#s.localAddress}|${this.#s.remoteAddress}`;
    this.write(TOKEN);
    let q = this.#net.streamMessages.get(key);
    if (!q) this.#net.streamMessages.set(key, (q = []));
    q.push(msg);
    this.#s.node.stats.streamBytesSent += length - TOKEN.length;
  }

  async #readMessage(): Promise<StreamMessage | null> {
    while (this.#tokens === 0) {
      const chunk = await this.read();
      if (chunk === null) return null;
      this.#tokens += chunk.length;
    }
    this.#tokens--;
    const key = `${this.#s.remoteAddress}|${this.#s.localAddress}`;
    const q = this.#net.streamMessages.get(key);
    const msg = q?.shift();
    if (!msg) throw new TransportError(`frame-mode stream from ${this.#s.remoteAddress} lost its message`, true);
    if (q!.length === 0) this.#net.streamMessages.delete(key);
    return msg;
  }
}
