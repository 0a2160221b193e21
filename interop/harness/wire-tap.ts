// A transport wrapper that records the bytes a shoal member sends and
// receives, so interop tests can check what actually crossed the wire
// (compressed? encrypted? plaintext visible?) rather than trusting config.
import type { Address, AdvertiseAddress, NodeAwareTransport, Packet, StreamConn, TransportHandler } from '@shoal/memberlist';

export interface WireRecord {
  dir: 'in' | 'out';
  kind: 'packet' | 'stream';
  /** The peer's "host:port" (for inbound streams, the dialer's ephemeral port). */
  peer: string;
  /** The packet, or the stream's bytes in that direction (first STREAM_CAP bytes). */
  bytes: Uint8Array;
}

const MAX_RECORDS = 5000;
const STREAM_CAP = 64 * 1024;

/** Message type bytes that matter here (spec §2). */
export const WIRE = { Compound: 7, Compress: 9, Encrypt: 10, HasCrc: 12 } as const;

export class WireTap implements NodeAwareTransport {
  readonly records: WireRecord[] = [];
  readonly #inner: NodeAwareTransport;

  constructor(inner: NodeAwareTransport) {
    this.#inner = inner;
  }

  #record(r: WireRecord): WireRecord {
    if (this.records.length < MAX_RECORDS) this.records.push(r);
    return r;
  }

  finalAdvertiseAddr(ip: string, port: number): AdvertiseAddress {
    return this.#inner.finalAdvertiseAddr(ip, port);
  }

  writeTo(buf: Uint8Array, addr: string): number {
    this.#record({ dir: 'out', kind: 'packet', peer: addr, bytes: buf.slice() });
    return this.#inner.writeTo(buf, addr);
  }

  writeToAddress(buf: Uint8Array, addr: Address): number {
    this.#record({ dir: 'out', kind: 'packet', peer: addr.addr, bytes: buf.slice() });
    return this.#inner.writeToAddress(buf, addr);
  }

  async dialTimeout(addr: string, timeoutMs: number): Promise<StreamConn> {
    return this.#wrap(await this.#inner.dialTimeout(addr, timeoutMs), addr);
  }

  async dialAddressTimeout(addr: Address, timeoutMs: number): Promise<StreamConn> {
    return this.#wrap(await this.#inner.dialAddressTimeout(addr, timeoutMs), addr.addr);
  }

  listen(handler: TransportHandler): void {
    this.#inner.listen({
      packet: (p: Packet) => {
        this.#record({ dir: 'in', kind: 'packet', peer: p.from, bytes: p.buf.slice() });
        handler.packet(p);
      },
      stream: (conn) => handler.stream(this.#wrap(conn, conn.remoteAddr)),
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  #wrap(conn: StreamConn, peer: string): StreamConn {
    let inbound: WireRecord | undefined;
    let outbound: WireRecord | undefined;
    const append = (r: WireRecord | undefined, dir: 'in' | 'out', chunk: Uint8Array): WireRecord => {
      r ??= this.#record({ dir, kind: 'stream', peer, bytes: new Uint8Array(0) });
      if (r.bytes.length < STREAM_CAP) {
        const joined = new Uint8Array(Math.min(STREAM_CAP, r.bytes.length + chunk.length));
        joined.set(r.bytes);
        joined.set(chunk.subarray(0, joined.length - r.bytes.length), r.bytes.length);
        r.bytes = joined;
      }
      return r;
    };
    return {
      remoteAddr: conn.remoteAddr,
      write: (data) => {
        outbound = append(outbound, 'out', data);
        conn.write(data);
      },
      read: async () => {
        const chunk = await conn.read();
        if (chunk) inbound = append(inbound, 'in', chunk);
        return chunk;
      },
      close: () => conn.close(),
    };
  }

  /** Records matching a filter (direction, kind, peer). */
  select(filter: { dir?: 'in' | 'out'; kind?: 'packet' | 'stream'; peer?: string }): WireRecord[] {
    return this.records.filter((r) => (filter.dir === undefined || r.dir === filter.dir) && (filter.kind === undefined || r.kind === filter.kind) && (filter.peer === undefined || r.peer === filter.peer) && r.bytes.length > 0);
  }
}

/**
 * The outermost message type of an unencrypted, unlabelled record: for packets
 * after a CRC header, which wraps everything else (compression included).
 */
export function outerType(r: WireRecord): number | undefined {
  const b = r.bytes;
  if (r.kind === 'packet' && b[0] === WIRE.HasCrc) return b[5];
  return b[0];
}

/** Whether `text` appears verbatim in the record's bytes. */
export function containsText(r: WireRecord, text: string): boolean {
  return Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).includes(Buffer.from(text));
}

/** A one-line summary of records for failure messages: "in/packet 9,12,..." */
export function summarize(records: readonly WireRecord[], limit = 20): string {
  return records.slice(-limit).map((r) => `${r.dir}/${r.kind}/${r.peer}:${outerType(r)}(${r.bytes.length}B)`).join(' ');
}
