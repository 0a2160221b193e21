import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';
import { MessageType } from './types.js';

/** Header bytes of a compound, and bytes per part (Go's compoundHeaderOverhead/compoundOverhead). */
export const COMPOUND_HEADER_OVERHEAD = 2;
export const COMPOUND_PART_OVERHEAD = 2;

/**
 * `[7][count u8][len u16 BE]×count[part]×count` (spec §5.2). Each part is a
 * complete `[type][body]`. Throws rather than silently corrupting, as Go would
 * with more than 255 parts or a part over 64 KiB; use {@link encodeCompounds}
 * to split long lists.
 */
export function encodeCompound(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length > Limits.compoundMaxParts) {
    throw new WireError(WireErrorCode.CompoundTooManyParts, `compound of ${parts.length} parts (max ${Limits.compoundMaxParts})`);
  }
  let size = COMPOUND_HEADER_OVERHEAD + COMPOUND_PART_OVERHEAD * parts.length;
  for (const p of parts) {
    if (p.length > Limits.compoundMaxPartBytes) {
      throw new WireError(WireErrorCode.PartTooLarge, `compound part of ${p.length} bytes (max ${Limits.compoundMaxPartBytes})`);
    }
    size += p.length;
  }
  const out = new Uint8Array(size);
  out[0] = MessageType.Compound;
  out[1] = parts.length;
  let lenAt = 2;
  let at = 2 + 2 * parts.length;
  for (const p of parts) {
    out[lenAt++] = p.length >>> 8;
    out[lenAt++] = p.length & 0xff;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `parts` into compounds of at most 255 parts each (v0.3.2+ gossip behaviour). A single part is sent bare. */
export function encodeCompounds(parts: readonly Uint8Array[]): Uint8Array[] {
  if (parts.length === 1) return [parts[0]!];
  const out: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += Limits.compoundMaxParts) {
    const chunk = parts.slice(i, i + Limits.compoundMaxParts);
    out.push(chunk.length === 1 ? chunk[0]! : encodeCompound(chunk));
  }
  return out;
}

export interface DecodedCompound {
  /** The parts that fit, as views into the input. */
  readonly parts: Uint8Array[];
  /** Parts whose claimed length ran past the end of the buffer (Go counts and logs these). */
  readonly truncated: number;
}

/** Splits a compound body (the bytes after the type byte). */
export function decodeCompound(body: Uint8Array): DecodedCompound {
  if (body.length < 1) throw new WireError(WireErrorCode.CompoundTruncated, 'compound: missing part count');
  const count = body[0]!;
  const headerEnd = 1 + 2 * count;
  if (body.length < headerEnd) throw new WireError(WireErrorCode.CompoundTruncated, 'compound: truncated length table');
  const parts: Uint8Array[] = [];
  let at = headerEnd;
  for (let i = 0; i < count; i++) {
    const len = (body[1 + 2 * i]! << 8) | body[2 + 2 * i]!;
    if (body.length - at < len) return { parts, truncated: count - i };
    parts.push(body.subarray(at, at + len));
    at += len;
  }
  return { parts, truncated: 0 };
}
