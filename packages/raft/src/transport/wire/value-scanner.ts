/**
 * Finds where one msgpack value ends in a buffer that grows chunk by chunk,
 * resuming where the previous call stopped. Go's stream has no length
 * prefix, so this is how a reader knows a message is complete; resuming
 * keeps a message that arrives in n chunks at O(length) work instead of
 * re-parsing it n times. Nothing is decoded or allocated here beyond one
 * counter per open container.
 */
import { MsgpackDecodeError } from '@shoal/kit';

export interface ScanLimits {
  /** Deepest container nesting. */
  readonly maxDepth: number;
  /** Longest str/bin/ext payload. */
  readonly maxBytesLength: number;
  /** Most elements of one array or entries of one map. */
  readonly maxContainerLength: number;
}

const NOT_YET = -1;

export class ValueScanner {
  /** Items still expected by each open container, innermost last. */
  private readonly open: number[] = [];
  /** Payload bytes of the current str/bin/ext still to pass over. */
  private payload = 0;
  /** The next byte not yet accounted for. */
  private pos = 0;

  constructor(private readonly limits: ScanLimits) {}

  /** Start looking for a value that begins at `offset`. */
  reset(offset: number): void {
    this.open.length = 0;
    this.payload = 0;
    this.pos = offset;
  }

  /** Move the scan by `delta` bytes (its buffer was compacted). */
  shift(delta: number): void {
    this.pos += delta;
  }

  /**
   * The offset just past the value, or -1 while `buf[0, end)` ends inside it.
   * Throws MsgpackDecodeError for the unused byte 0xc1 and for claimed
   * lengths or nesting beyond the limits.
   */
  scan(buf: Uint8Array, end: number): number {
    while (true) {
      if (this.payload > 0) {
        const take = Math.min(this.payload, end - this.pos);
        this.pos += take;
        this.payload -= take;
        if (this.payload > 0) return NOT_YET;
        if (this.itemDone()) return this.pos;
        continue;
      }
      if (this.pos >= end) return NOT_YET;
      const done = this.step(buf, end);
      if (done === NOT_YET) return NOT_YET;
      if (done === 1 && this.itemDone()) return this.pos;
    }
  }

  /**
   * Consumes one header if it is all present: 1 when it completed an item,
   * 0 when it opened a container or a payload, -1 when more bytes are needed.
   */
  private step(buf: Uint8Array, end: number): number {
    const at = this.pos;
    const b = buf[at]!;
    const have = end - at;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return this.scalar(1);
    if (b <= 0x8f) return this.container(1, (b & 0x0f) * 2, b & 0x0f);
    if (b <= 0x9f) return this.container(1, b & 0x0f, b & 0x0f);
    if (b <= 0xbf) return this.bytes(1, b & 0x1f);
    const width = LENGTH_WIDTH[b - 0xc0]!;
    const headerSize = HEADER_SIZE[b - 0xc0]!;
    if (headerSize === 0) throw new MsgpackDecodeError('ERR_MSGPACK_TYPE', `invalid type byte 0x${b.toString(16)}`, at);
    if (have < headerSize) return NOT_YET;
    if (width === 0) return this.scalar(headerSize);
    const n = width === 1 ? buf[at + 1]! : width === 2 ? (buf[at + 1]! << 8) | buf[at + 2]! : readUint32(buf, at + 1);
    switch (lengthKind(b)) {
      case 'payload':
        return this.bytes(headerSize, n);
      case 'array':
        return this.container(headerSize, n, n);
      default:
        return this.container(headerSize, n * 2, n);
    }
  }

  private scalar(size: number): number {
    this.pos += size;
    return 1;
  }

  private bytes(headerSize: number, length: number): number {
    if (length > this.limits.maxBytesLength) {
      throw new MsgpackDecodeError('ERR_MSGPACK_LIMIT', `claimed ${length} bytes, limit ${this.limits.maxBytesLength}`, this.pos);
    }
    this.pos += headerSize;
    this.payload = length;
    return length === 0 ? 1 : 0;
  }

  private container(headerSize: number, items: number, claimed: number): number {
    if (claimed > this.limits.maxContainerLength) {
      throw new MsgpackDecodeError('ERR_MSGPACK_LIMIT', `claimed ${claimed} elements, limit ${this.limits.maxContainerLength}`, this.pos);
    }
    if (items > 0 && this.open.length >= this.limits.maxDepth) {
      throw new MsgpackDecodeError('ERR_MSGPACK_TOO_DEEP', `nesting deeper than ${this.limits.maxDepth}`, this.pos);
    }
    this.pos += headerSize;
    if (items === 0) return 1;
    this.open.push(items);
    return 0;
  }

  /** Counts one finished item against the open containers; true when the whole value is finished. */
  private itemDone(): boolean {
    const open = this.open;
    while (open.length > 0) {
      const last = open.length - 1;
      if (--open[last]! > 0) return false;
      open.pop();
    }
    return true;
  }
}

function readUint32(buf: Uint8Array, at: number): number {
  return buf[at]! * 0x100_0000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

/**
 * Per type byte 0xc0..0xdf: total header size (0 = invalid byte) and width
 * of the length field (0 = fixed-size scalar). Ext headers include their
 * type byte; fixext payloads are folded into the header as scalars.
 */
const HEADER_SIZE = [
  1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9, // c0..cf
  2, 3, 5, 9, 3, 4, 6, 10, 18, 2, 3, 5, 3, 5, 3, 5, // d0..df
];
const LENGTH_WIDTH = [
  0, 0, 0, 0, 1, 2, 4, 1, 2, 4, 0, 0, 0, 0, 0, 0, // c0..cf
  0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 2, 4, 2, 4, // d0..df
];

/** What a length field counts, for the type bytes that have one. */
function lengthKind(b: number): 'payload' | 'array' | 'map' {
  if (b === 0xdc || b === 0xdd) return 'array';
  if (b === 0xde || b === 0xdf) return 'map';
  return 'payload';
}
