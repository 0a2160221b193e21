/**
 * The wire rules of memberlist-quic, as pure functions (spec §1):
 *
 * - ALPN: shoal offers `shoal-quic/1` first, then Go's `memberlist-quic/1`.
 * - A memberlist packet travels as one QUIC datagram, or, when the peer did not
 *   negotiate datagrams or the packet exceeds the datagram limit, as one
 *   unidirectional stream `[u32 big-endian length][payload]` then FIN. The
 *   receiver drops frames announcing more than {@link MAX_PACKET_FRAME} bytes
 *   (Go's limit).
 * - A bidirectional stream is a memberlist stream. Under `memberlist-quic/1` it
 *   is raw memberlist bytes (exactly Go). Under `shoal-quic/1` its first byte is
 *   a {@link StreamKind}, so application streams never reach memberlist.
 */
import type { DatagramSendResult } from '../engine/types.js';

/** Go's ALPN: plain memberlist streams, no kind byte. */
export const ALPN_MEMBERLIST = 'memberlist-quic/1';
/** shoal's ALPN: every bidirectional stream starts with a StreamKind byte. */
export const ALPN_SHOAL = 'shoal-quic/1';
/** Offered (dialling) and accepted (listening) in this order of preference. */
export const ALPN_PREFERENCE: readonly string[] = [ALPN_SHOAL, ALPN_MEMBERLIST];

/** The first byte of a bidirectional stream under `shoal-quic/1`. */
export const StreamKind = { memberlist: 0x00, app: 0x01 } as const;
export type StreamKindName = keyof typeof StreamKind;

/** Whether streams on a connection that negotiated `alpn` carry a kind byte. */
export function hasKindByte(alpn: string): boolean {
  return alpn === ALPN_SHOAL;
}

/** The kind named by a stream's first byte, or undefined for an unknown byte (the stream is refused). */
export function streamKindOf(byte: number): StreamKindName | undefined {
  if (byte === StreamKind.memberlist) return 'memberlist';
  if (byte === StreamKind.app) return 'app';
  return undefined;
}

/** Largest packet a receiver accepts in a unidirectional-stream frame (Go: 65 536). */
export const MAX_PACKET_FRAME = 65_536;
export const FRAME_HEADER_BYTES = 4;

/** One packet as a unidirectional-stream frame: 4-byte big-endian length, then the payload. */
export function encodePacketFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export type FrameProgress =
  | { state: 'more' }
  | { state: 'done'; payload: Uint8Array }
  | { state: 'error'; reason: 'too-large' | 'truncated'; detail: string };

/**
 * Reassembles one packet frame from the chunks of a unidirectional stream.
 * Total: never allocates more than the announced length (itself bounded).
 * Bytes after the payload are ignored, as Go ignores them.
 */
export class PacketFrameDecoder {
  readonly #maxLength: number;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerHave = 0;
  #payload: Uint8Array | undefined;
  #have = 0;
  #result: FrameProgress = { state: 'more' };

  constructor(maxLength = MAX_PACKET_FRAME) {
    this.#maxLength = maxLength;
  }

  /** Feeds the next chunk; once 'done' or 'error', later chunks change nothing. */
  push(chunk: Uint8Array): FrameProgress {
    if (this.#result.state !== 'more') return this.#result;
    let off = 0;
    if (this.#headerHave < FRAME_HEADER_BYTES) {
      const n = Math.min(FRAME_HEADER_BYTES - this.#headerHave, chunk.length);
      this.#header.set(chunk.subarray(0, n), this.#headerHave);
      this.#headerHave += n;
      off = n;
      if (this.#headerHave < FRAME_HEADER_BYTES) return this.#result;
      const length = new DataView(this.#header.buffer).getUint32(0, false);
      if (length > this.#maxLength) {
        return (this.#result = { state: 'error', reason: 'too-large', detail: `frame announces ${length} bytes, at most ${this.#maxLength} are accepted` });
      }
      this.#payload = new Uint8Array(length);
    }
    const payload = this.#payload!;
    const n = Math.min(payload.length - this.#have, chunk.length - off);
    payload.set(chunk.subarray(off, off + n), this.#have);
    this.#have += n;
    if (this.#have === payload.length) this.#result = { state: 'done', payload };
    return this.#result;
  }

  /** The stream ended (FIN): a frame not yet complete is truncated. */
  end(): FrameProgress {
    if (this.#result.state !== 'more') return this.#result;
    const detail = this.#headerHave < FRAME_HEADER_BYTES ? `stream ended after ${this.#headerHave} header bytes` : `stream ended after ${this.#have} of ${this.#payload!.length} payload bytes`;
    return (this.#result = { state: 'error', reason: 'truncated', detail });
  }
}

/** How a packet goes out, given what the connection said about a datagram. */
export type PacketPath = 'datagram' | 'stream' | 'drop' | 'redial';

/**
 * The fallback choice (Go's WriteTo): a datagram that was sent is done; one too
 * large, or a peer without datagrams, means a unidirectional stream; a full
 * datagram queue drops it (packets are best effort, and memberlist retries);
 * a closed connection means the pool must dial again.
 */
export function pathAfterDatagram(result: DatagramSendResult): PacketPath {
  switch (result) {
    case 'sent':
      return 'datagram';
    case 'too-large':
    case 'not-negotiated':
      return 'stream';
    case 'queue-full':
      return 'drop';
    case 'closed':
      return 'redial';
  }
}
