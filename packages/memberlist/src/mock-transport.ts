import type { PacketSocket, SimListener, SimNetwork, SimNode, SimStream } from '@shoal/sim';
import { parseIP, type Address } from './address.js';
import { TransportError } from './errors.js';
import type { AdvertiseAddress, NodeAwareTransport, StreamConn, TransportHandler } from './transport.js';

/** The port every mock transport listens on (memberlist's default). */
export const MOCK_PORT = 7946;

/**
 * Transports wired to each other over the simulator (Go's MockNetwork), so
 * whole clusters run in virtual time with latency, loss, partitions, crashes
 * and slow nodes. Each transport is one simulated host ("10.0.0.N").
 */
export class MockNetwork {
  readonly network: SimNetwork;
  readonly #byName = new Map<string, MockTransport>();

  constructor(network: SimNetwork) {
    this.network = network;
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

/** A NodeAwareTransport on one simulated host (Go's MockTransport). */
export class MockTransport implements NodeAwareTransport {
  readonly node: SimNode;
  readonly port: number;
  readonly #net: MockNetwork;
  #socket: PacketSocket | undefined;
  #listener: SimListener | undefined;

  constructor(node: SimNode, port: number, net: MockNetwork) {
    this.node = node;
    this.port = port;
    this.#net = net;
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
    this.#socket = this.node.bindPacket(this.port, (p) => handler.packet({ buf: p.data, from: p.from, timestampMs: p.timestamp }));
    this.#listener = this.node.listen(this.port, (stream) => handler.stream(new MockStream(stream)));
  }

  writeTo(buf: Uint8Array, addr: string): number {
    const socket = this.#socket;
    if (!socket) throw new TransportError('mock transport is not listening', false);
    try {
      return socket.send(buf, addr);
    } catch (e) {
      throw new TransportError(`send to ${addr}: ${(e as Error).message}`, false, { cause: e });
    }
  }

  writeToAddress(buf: Uint8Array, a: Address): number {
    return this.writeTo(buf, this.#route(a));
  }

  async dialTimeout(addr: string, timeoutMs: number): Promise<StreamConn> {
    try {
      return new MockStream(await this.node.dial(addr, { timeoutMs }));
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
  }

  /** Go routes by name when one is given; here the address wins unless only the name is known. */
  #route(a: Address): string {
    if (a.addr !== '') return a.addr;
    const t = this.#net.byName(a.name);
    if (!t) throw new TransportError(`no route to ${a.name}`, true);
    return t.address;
  }
}

/** A simulated stream as a StreamConn. */
class MockStream implements StreamConn {
  readonly #s: SimStream;
  constructor(s: SimStream) {
    this.#s = s;
  }
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
  }
}
