/** Bounds on what a frame reader accepts from a peer. */
import type { DecodeOptions } from '@shoal/kit';
import type { ScanLimits } from './value-scanner.js';

export interface WireLimits {
  /** Largest request or reply (its msgpack bytes) accepted. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Deepest container nesting. Default 64 (a raft message needs 4). */
  maxDepth?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
/**
 * Bytes a reader may hold beyond one maximal message: the tail of the chunk
 * that completed it (Go's read buffer is 256 KiB; socket chunks are smaller).
 */
const SLACK_BYTES = 1024 * 1024;

export interface ResolvedLimits {
  readonly maxMessageBytes: number;
  readonly maxBuffered: number;
  readonly scan: ScanLimits;
  readonly decode: DecodeOptions;
}

export function resolveLimits(limits: WireLimits = {}): ResolvedLimits {
  const maxMessageBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) throw new RangeError(`maxMessageBytes must be a positive integer, got ${maxMessageBytes}`);
  // Every element takes at least one byte, so no count can exceed the message size.
  const scan: ScanLimits = { maxDepth, maxBytesLength: maxMessageBytes, maxContainerLength: maxMessageBytes };
  return { maxMessageBytes, maxBuffered: maxMessageBytes + SLACK_BYTES, scan, decode: { ...scan } };
}
