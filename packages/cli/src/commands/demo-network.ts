import type { Packet, StreamConn, Transport, TransportHandler } from '@shoal/memberlist';
import { NetTransport, TransportError } from '@shoal/memberlist';

/**
 * The demo's transport: a real NetTransport on loopback that can be made deaf,
 * to show Lifeguard's local health. While deaf, the node hears nothing: it
 * drops every datagram, closes every inbound stream and cannot open one. Its
 * own probes then go unanswered with no nacks either, so its health score
 * rises and it slows down, instead of blaming its healthy peers.
 */
export class DeafenableTransport implements Transport {
  deaf = false;
  readonly #inner: NetTransport;

  private constructor(inner: NetTransport) {
    this.#inner = inner;
  }

  static async create(host: string, port: number): Promise<DeafenableTransport> {
    return new DeafenableTransport(await NetTransport.create({ bindAddrs: [host], bindPort: port }));
  }

  get port(): number {
    return this.#inner.port;
  }

  finalAdvertiseAddr(ip: string, port: number): ReturnType<Transport['finalAdvertiseAddr']> {
    return this.#inner.finalAdvertiseAddr(ip, port);
  }

  writeTo(buf: Uint8Array, addr: string): number {
    return this.#inner.writeTo(buf, addr);
  }

  async dialTimeout(addr: string, timeoutMs: number): Promise<StreamConn> {
    if (this.deaf) throw new TransportError(`demo: ${addr} unreachable while this node is deaf`, true);
    return this.#inner.dialTimeout(addr, timeoutMs);
  }

  listen(handler: TransportHandler): void {
    this.#inner.listen({
      packet: (packet: Packet) => {
        if (!this.deaf) handler.packet(packet);
      },
      stream: (conn: StreamConn) => {
        if (this.deaf) conn.close();
        else handler.stream(conn);
      },
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
