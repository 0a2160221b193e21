import { bytesEqual, fromUtf8, utf8 } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';
import { Limits } from './limits.js';
import { MessageType } from './types.js';

// The label header `[244][len u8][label]` (spec §1, label.go upstream, v0.3.0+).
// Go 0.2.2 predates it; these follow the spec and its vectors.

const NO_LABEL = new Uint8Array(0);

/** Bytes a label adds on the wire: 0 when empty, else 2 + its length (Go's labelOverhead). */
export function labelOverhead(label: string): number {
  if (label.length === 0) return 0;
  const n = utf8(label).length;
  return n === 0 ? 0 : 2 + n;
}

/** The header bytes for `label`; empty for no label. */
export function labelHeader(label: string | Uint8Array): Uint8Array {
  if (label.length === 0) return NO_LABEL;
  const bytes = typeof label === 'string' ? utf8(label) : label;
  if (bytes.length > Limits.labelMaxBytes) {
    throw new WireError(WireErrorCode.LabelTooLong, `label is ${bytes.length} bytes (max ${Limits.labelMaxBytes})`);
  }
  const out = new Uint8Array(2 + bytes.length);
  out[0] = MessageType.HasLabel;
  out[1] = bytes.length;
  out.set(bytes, 2);
  return out;
}

/** AddLabelHeaderToPacket: prefixes `packet` with the header when `label` is not empty. */
export function addLabelHeaderToPacket(packet: Uint8Array, label: string | Uint8Array): Uint8Array {
  const header = labelHeader(label);
  if (header.length === 0) return packet;
  const out = new Uint8Array(header.length + packet.length);
  out.set(header);
  out.set(packet, header.length);
  return out;
}

export interface Labelled {
  /** The label bytes; empty when the input carried none. */
  readonly labelBytes: Uint8Array;
  /** The label as text (UTF-8, lossy for non-UTF-8 bytes; compare `labelBytes` for policy). */
  readonly label: string;
  /** What follows the header, as a view into the input. */
  readonly rest: Uint8Array;
}

/** RemoveLabelHeaderFromPacket: strips a label header if present. An empty or truncated label is an error. */
export function removeLabelHeaderFromPacket(packet: Uint8Array): Labelled {
  if (packet.length === 0) return { labelBytes: new Uint8Array(0), label: '', rest: packet };
  const r = parseLabelHeader(packet);
  if (r === 'need-more') throw new WireError(WireErrorCode.LabelTruncated, 'packet ends inside its label header');
  return r;
}

/**
 * Incremental form for streams (RemoveLabelHeaderFromStream): given the first
 * bytes received so far, returns 'need-more' until the header is complete.
 * A stream whose first byte is not 244 has no label.
 */
export function parseLabelHeader(buf: Uint8Array): Labelled | 'need-more' {
  if (buf.length === 0) return 'need-more';
  if (buf[0] !== MessageType.HasLabel) return { labelBytes: new Uint8Array(0), label: '', rest: buf };
  if (buf.length < 2) return 'need-more';
  const n = buf[1]!;
  if (n === 0) throw new WireError(WireErrorCode.LabelEmpty, 'label header with an empty label');
  if (buf.length < 2 + n) return 'need-more';
  const labelBytes = buf.subarray(2, 2 + n);
  return { labelBytes, label: fromUtf8(labelBytes), rest: buf.subarray(2 + n) };
}

/** AddLabelHeaderToStream's bytes: what a dialer writes first. */
export const streamLabelHeader = labelHeader;

/**
 * The receive-side label policy (spec §5.3 step 2). With `skipInboundLabelCheck`
 * an unlabelled input counts as carrying `expected`, and a labelled one is
 * rejected; otherwise the labels must be byte-equal (empty matches only empty).
 * Returns the label to use as encryption AAD.
 */
export function checkInboundLabel(received: Uint8Array, expected: string | Uint8Array, skipInboundLabelCheck = false): Uint8Array {
  if (received.length === 0 && expected.length === 0) return NO_LABEL; // the common case, without encoding
  const want = typeof expected === 'string' ? utf8(expected) : expected;
  if (skipInboundLabelCheck) {
    if (received.length > 0) throw new WireError(WireErrorCode.LabelMismatch, 'unexpected label on input while the inbound label check is skipped');
    return want;
  }
  if (!bytesEqual(received, want)) {
    throw new WireError(
      WireErrorCode.LabelMismatch,
      `label mismatch: got ${JSON.stringify(fromUtf8(received))}, want ${JSON.stringify(fromUtf8(want))}`,
    );
  }
  return want;
}
